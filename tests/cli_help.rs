//! The help the real binary prints: a snapshot of `faultline --help` and of every
//! `faultline CMD --help` (the commands read from the main help, so a new one is covered
//! without editing this file), each with examples and no argument without a help line.

mod common;

/// The command names listed under `Commands:` in `faultline --help` (clap's `help` aside).
fn commands(main_help: &str) -> Vec<String> {
    main_help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// Argument lines of a `--help` (`  -q, --quiet`, `  [SCENARIO]`, `  <PATH>...`) whose help is
/// empty: in the long form the help is on the following lines, indented further.
fn arguments_without_help(help: &str) -> Vec<String> {
    let lines: Vec<&str> = help.lines().collect();
    let mut bare = vec![];
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        let indent = l.len() - t.len();
        if indent != 2 || !(t.starts_with('-') || t.starts_with('[') || t.starts_with('<')) {
            continue;
        }
        // `  -q, --quiet   text` (short form) or the text on the next, more indented line.
        let inline = t.split("  ").filter(|p| !p.trim().is_empty()).count() > 1;
        let next = lines.get(i + 1).is_some_and(|n| n.len() - n.trim_start().len() > 2 && !n.trim().is_empty());
        if !inline && !next {
            bare.push(t.trim_end().to_string());
        }
    }
    bare
}

fn help(args: &[&str]) -> String {
    let o = common::faultline(args);
    assert!(o.status.success(), "faultline {args:?} exits 0: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).expect("UTF-8 help")
}

#[test]
fn the_main_help_lists_every_command_with_examples() {
    let main = help(&["--help"]);
    insta::assert_snapshot!("help", main);
    let cmds = commands(&main);
    for want in ["run", "check", "sweep", "validate", "diff", "completions", "man"] {
        assert!(cmds.iter().any(|c| c == want), "`{want}` is listed in faultline --help: {cmds:?}");
    }
    assert!(main.contains("Examples:\n  faultline run channel-cut --seed 7"), "{main}");
    assert_eq!(arguments_without_help(&main), Vec::<String>::new());
}

#[test]
fn every_command_has_examples_and_every_argument_a_help_line() {
    let cmds = commands(&help(&["--help"]));
    let mut problems = vec![];
    for c in &cmds {
        for flag in ["--help", "-h"] {
            let text = help(&[c, flag]);
            if flag == "--help" {
                insta::assert_snapshot!(format!("help-{c}"), text);
            }
            if !text.contains("Examples:\n  ") || !text.contains(&format!("faultline {c}")) {
                problems.push(format!("faultline {c} {flag}: no example of `faultline {c}`"));
            }
            for a in arguments_without_help(&text) {
                problems.push(format!("faultline {c} {flag}: `{a}` has no help"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The helper above finds what it should: clap prints a bare positional like this.
#[test]
fn a_bare_argument_is_found() {
    let h = "Arguments:\n  [SCENARIO]  \n\nOptions:\n      --seed <SEED>  Override the seed\n  -h, --help  Print help\n";
    assert_eq!(arguments_without_help(h), vec!["[SCENARIO]".to_string()]);
}
