//! The broken-file corpus (`tests/broken/*.toml` at the workspace root): every file must be
//! rejected with an error at the line and column its first line documents
//! (`# error: 12:1 unknown key`), whose message names the problem.

use std::path::Path;

#[test]
fn every_broken_file_is_rejected_where_its_header_says() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/broken");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/broken exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "only {} broken files", files.len());
    let mut failures = Vec::new();
    for path in &files {
        // Read as bytes: the corpus holds a file that is not UTF-8 (its header line is).
        let text = String::from_utf8_lossy(&std::fs::read(path).expect("readable")).into_owned();
        let header = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# error: "))
            .unwrap_or_else(|| panic!("{}: first line must be `# error: LINE:COL message`", path.display()));
        let (pos, words) = header.split_once(' ').unwrap_or((header, ""));
        let (line, col) = pos.split_once(':').unwrap_or((pos, "0"));
        let err = match scenarios::load_path(path) {
            Ok(_) => {
                failures.push(format!("{}: loaded without error", path.display()));
                continue;
            }
            Err(e) => e,
        };
        let Some(d) = err.diagnostic() else {
            failures.push(format!("{}: error without a position: {err}", path.display()));
            continue;
        };
        let rendered = err.to_string();
        if format!("{}:{}", d.line, d.column) != format!("{line}:{col}") || !rendered.to_lowercase().contains(&words.to_lowercase()) {
            failures.push(format!("{}: expected {line}:{col} `{words}`, got\n{rendered}", path.display()));
        }
        // Rendering must quote the offending line.
        assert!(rendered.contains(&d.source_line), "{rendered}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
