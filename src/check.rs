//! `faultline check` and `faultline validate`: resolving paths (files, directories, library
//! names) to scenarios, running them, and the totals line CI reads.

use std::path::{Path, PathBuf};

use scenarios::Scenario;

use crate::runner::{self, RunOpts};
use crate::{EXIT_INVALID, OutputArgs, invalid, print_stdout};

pub fn cmd_check(paths: &[String], out: &OutputArgs) -> anyhow::Result<u8> {
    let (list, mut code) = collect(paths);
    let mut outcomes = Vec::new();
    for s in &list {
        let o = runner::run(s, s.seed, RunOpts { keep_trace: false, progress: false })?;
        outcomes.push(o);
    }
    let verdict_code = crate::emit::emit(&outcomes, out)?;
    if code == 0 {
        code = verdict_code;
    }
    Ok(code)
}

pub fn cmd_validate(paths: &[String]) -> u8 {
    let (list, code) = collect(paths);
    for s in &list {
        print_stdout(&format!("ok  {}  ({})\n", s.source.display_name(), s.name));
    }
    code
}

/// Resolves every argument (files, directories of `*.toml`, library names). Invalid ones
/// are reported and make the exit code 3; the valid ones are still returned.
pub fn collect(args: &[String]) -> (Vec<Scenario>, u8) {
    let mut out = Vec::new();
    let mut code = 0;
    for a in args {
        let p = Path::new(a);
        if p.is_dir() {
            let mut files: Vec<PathBuf> = match std::fs::read_dir(p) {
                Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|f| f.extension().is_some_and(|x| x == "toml")).collect(),
                Err(e) => {
                    eprintln!("error: cannot read directory {a}: {e}");
                    code = EXIT_INVALID;
                    continue;
                }
            };
            files.sort();
            if files.is_empty() {
                eprintln!("error: no *.toml scenario files in {a}");
                code = EXIT_INVALID;
            }
            for f in files {
                match scenarios::load_path(&f) {
                    Ok(s) => out.push(s),
                    Err(e) => code = invalid(&e),
                }
            }
        } else {
            match scenarios::resolve(a) {
                Ok(s) => out.push(s),
                Err(e) => code = invalid(&e),
            }
        }
    }
    (out, code)
}
