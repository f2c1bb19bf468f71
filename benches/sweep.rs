//! Seeds per second of `faultline sweep` and of the same sweep as 4 shards plus `merge`,
//! measured in one run with the real binary (rounds alternate, so drift on a shared
//! machine hits both), and their ratio. The shards run one after another with the same
//! `--jobs`, so the ratio is what sharding costs (manifest, one NDJSON line a seed, one
//! process a shard, the merge), not what a cluster gains.
//!
//!   cargo bench --bench sweep
//!   FAULTLINE_BENCH_SCENARIO=random-chaos FAULTLINE_BENCH_SEEDS=1..201 cargo bench --bench sweep
//!
//! `channel-cut`, the default, is about the cheapest scenario a seed: the worst case for
//! the overhead of sharding.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const SHARDS: u64 = 4;
const ROUNDS: usize = 3;

/// CPU seconds (user + system) of this process's waited-for children, from
/// /proc/self/stat (Linux; `None` elsewhere). Less sensitive than wall time to a machine
/// shared with other work.
fn children_cpu() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = after.split_whitespace().collect();
    // Fields 16 and 17 of proc(5), cutime and cstime, in clock ticks (USER_HZ, 100 on Linux).
    let ticks: f64 = f.get(13)?.parse::<f64>().ok()? + f.get(14)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn faultline(args: &[&str]) -> (f64, String) {
    let start = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("FAULTLINE_SHARDS")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("AWS_BATCH_JOB_ARRAY_INDEX")
        .env_remove("CI_NODE_INDEX")
        .output()
        .expect("the faultline binary runs");
    let t = start.elapsed().as_secs_f64();
    assert!(matches!(o.status.code(), Some(0..=2)), "faultline {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    (t, String::from_utf8_lossy(&o.stdout).into_owned())
}

fn digest(quiet: &str) -> String {
    quiet.rsplit("digest ").next().unwrap_or("").trim().trim_end_matches(')').to_string()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn size(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map(|d| d.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum()).unwrap_or(0)
}

fn main() {
    let scenario = std::env::var("FAULTLINE_BENCH_SCENARIO").unwrap_or_else(|_| "channel-cut".into());
    let seeds = std::env::var("FAULTLINE_BENCH_SEEDS").unwrap_or_else(|_| "1..20001".into());
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get()).to_string();
    let (a, b) = seeds.split_once("..").expect("FAULTLINE_BENCH_SEEDS is A..B");
    let n = b.parse::<u64>().expect("B") - a.parse::<u64>().expect("A");
    let dir: PathBuf = std::env::temp_dir().join(format!("faultline-bench-sweep-{}", std::process::id()));

    let (mut whole, mut sharded, mut merges) = (Vec::new(), Vec::new(), Vec::new());
    let (mut whole_cpu, mut sharded_cpu) = (Vec::new(), Vec::new());
    let mut bytes = 0;
    for round in 0..ROUNDS {
        let c0 = children_cpu();
        let (t, out) = faultline(&["sweep", &scenario, "--seeds", &seeds, "--jobs", &jobs, "-q"]);
        let c1 = children_cpu();
        whole.push(t);
        let want = digest(&out);

        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        let mut shards_t = 0.0;
        for i in 0..SHARDS {
            let f = dir.join(format!("shard-{i}.ndjson"));
            let (t, _) = faultline(&[
                "sweep",
                &scenario,
                "--seeds",
                &seeds,
                "--jobs",
                &jobs,
                "--shard",
                &format!("{i}/{SHARDS}"),
                "-o",
                f.to_str().expect("utf-8 path"),
                "-q",
            ]);
            shards_t += t;
        }
        let (mt, out) = faultline(&["merge", dir.to_str().expect("utf-8 path"), "-q"]);
        assert_eq!(digest(&out), want, "round {round}: the merged digest differs from the unsharded one");
        bytes = size(&dir);
        sharded.push(shards_t + mt);
        merges.push(mt);
        if let (Some(c0), Some(c1), Some(c2)) = (c0, c1, children_cpu()) {
            whole_cpu.push(c1 - c0);
            sharded_cpu.push(c2 - c1);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);

    let (w, s, m) = (median(whole), median(sharded), median(merges));
    let rate = |t: f64| n as f64 / t;
    println!("faultline sweep {scenario} --seeds {seeds} ({n} seeds, --jobs {jobs}), median of {ROUNDS} alternating rounds");
    println!("  unsharded sweep          {w:7.2} s  {:9.0} seeds/s", rate(w));
    println!("  {SHARDS} shards + merge         {s:7.2} s  {:9.0} seeds/s  (merge alone {m:.2} s: {:.0} seeds/s)", rate(s), rate(m));
    println!("  ratio, sharded / unsharded seeds per second: {:.2}", rate(s) / rate(w));
    if !whole_cpu.is_empty() {
        let (wc, sc) = (median(whole_cpu), median(sharded_cpu));
        println!(
            "  CPU time: unsharded {wc:.2} s, sharded + merge {sc:.2} s ({:.0} and {:.0} µs a seed): ratio {:.2}",
            wc / n as f64 * 1e6,
            sc / n as f64 * 1e6,
            wc / sc
        );
    }
    println!("  NDJSON written: {:.1} MB, {} bytes a seed; digests equal", bytes as f64 / 1e6, bytes / n.max(1));
}
