//! The scenario library: every file in `scenarios-data/`, embedded at build time.
//!
//! `build.rs` lists the directory, so adding a `.toml` file there is all it takes to add a
//! scenario. This module only stores and finds texts; loading them is `load_str`'s job.

/// One embedded scenario file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LibraryEntry {
    /// The file stem, which is also the scenario's `name`.
    pub name: &'static str,
    pub file_name: &'static str,
    pub text: &'static str,
}

impl LibraryEntry {
    /// The verdict the file's header documents (`# expect: pass`), if it has one.
    pub fn documented_verdict(&self) -> Option<crate::Verdict> {
        crate::documented_verdict(self.text)
    }
}

include!(concat!(env!("OUT_DIR"), "/library.rs"));

/// All library scenarios, sorted by name.
pub fn library() -> &'static [LibraryEntry] {
    ENTRIES
}

/// The library scenario called `name`.
pub fn find(name: &str) -> Option<&'static LibraryEntry> {
    let name = name.strip_suffix(".toml").unwrap_or(name);
    ENTRIES.iter().find(|e| e.name == name)
}
