//! `faultline completions SHELL` and `faultline man [--dir DIR]`: both generated from the
//! same clap definition as `--help` (clap_complete, clap_mangen), so they cannot drift from it.

use std::path::Path;

use clap::CommandFactory;

use crate::output;

/// Prints the completion script of `shell` on standard output.
pub fn completions<C: CommandFactory>(shell: clap_complete::Shell) -> anyhow::Result<u8> {
    let mut cmd = C::command();
    let name = cmd.get_name().to_string();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, name, &mut script);
    output::out(&String::from_utf8_lossy(&script));
    Ok(0)
}

/// Without `dir`, prints the main page (section 1) on standard output; with it, writes
/// `faultline.1` and one `faultline-COMMAND.1` per command there (each file whole or not at
/// all, as every output file), and lists them on standard error.
pub fn man<C: CommandFactory>(dir: Option<&Path>) -> anyhow::Result<u8> {
    let mut cmd = C::command().disable_help_subcommand(true);
    // Building gives subcommands their display names (`faultline-run`), the pages' names.
    cmd.build();
    let Some(dir) = dir else {
        output::out(&String::from_utf8_lossy(&page(&cmd)?));
        return Ok(0);
    };
    if !dir.is_dir() {
        output::err(&format!("error: --dir {}: not a directory", dir.display()));
        return Ok(crate::EXIT_INVALID);
    }
    let pages = std::iter::once(&cmd).chain(cmd.get_subcommands().filter(|s| !s.is_hide_set()));
    for c in pages {
        let man = clap_mangen::Man::new(c.clone());
        let path = dir.join(man.get_filename());
        output::write_atomic(&path, &page(c)?)?;
        output::err(&format!("wrote {}", path.display()));
    }
    Ok(0)
}

fn page(cmd: &clap::Command) -> anyhow::Result<Vec<u8>> {
    let mut roff = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut roff)?;
    Ok(roff)
}
