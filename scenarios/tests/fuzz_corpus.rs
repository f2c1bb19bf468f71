//! Replays the cargo-fuzz corpus (`fuzz/corpus/scenario/`) and every fuzzing finding
//! (`fuzz/regressions/`) through `scenarios::fuzzing::exercise`, the fuzz target's own
//! per-input function, on stable: no input may panic. The fuzzer itself needs nightly
//! (README.md, "Fuzzing"); this test keeps what it found fixed in every `cargo test`.
//!
//! Its own test binary, because `exercise` sets the process-wide budget.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use scenarios::fuzzing::{Reached, exercise};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// Every file under `dir`, sorted by name (the corpus names files by their content's hash).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    v.sort();
    v
}

/// Runs every file of `fuzz/<rel>` and tallies how far each got; a panic fails with the
/// file's name.
fn replay(rel: &str) -> BTreeMap<Reached, usize> {
    let dir = fuzz_dir().join(rel);
    let mut tally = BTreeMap::new();
    let mut panicked = Vec::new();
    for path in files(&dir) {
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        match catch_unwind(AssertUnwindSafe(|| exercise(&data))) {
            Ok(r) => *tally.entry(r).or_insert(0) += 1,
            Err(_) => panicked.push(path.display().to_string()),
        }
    }
    assert!(panicked.is_empty(), "these inputs panicked (see the messages above):\n{}", panicked.join("\n"));
    eprintln!("fuzz/{rel}: {tally:?}");
    tally
}

#[test]
fn the_corpus_replays_without_a_panic() {
    let tally = replay("corpus/scenario");
    // The corpus is seeded from the library: some inputs must get as far as a run, or the
    // replay (and the fuzzer) would only exercise the parser.
    let ran = tally.get(&Reached::Ran).copied().unwrap_or(0) + tally.get(&Reached::Stopped).copied().unwrap_or(0);
    assert!(ran >= 10, "only {ran} corpus inputs ran: {tally:?}");
    assert!(tally.get(&Reached::Rejected).copied().unwrap_or(0) >= 10, "the corpus should hold rejected files too: {tally:?}");
}

#[test]
fn every_regression_replays_without_a_panic() {
    replay("regressions");
}

#[test]
fn the_committed_corpus_stays_small() {
    // A corpus that grows without `cargo fuzz cmin` makes the clone and this replay slow.
    let files = files(&fuzz_dir().join("corpus/scenario"));
    let bytes: u64 = files.iter().map(|p| std::fs::metadata(p).map_or(0, |m| m.len())).sum();
    assert!(files.len() < 1000 && bytes < 2 << 20, "{} files, {bytes} bytes: minimise it (README.md, \"Fuzzing\")", files.len());
}
