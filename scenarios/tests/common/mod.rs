//! What the scenario-format tests share.

/// Loads `text` as the file `name`, which must be invalid, and returns the error's line,
/// column and rendered text.
pub fn load_error(name: &str, text: &str) -> (usize, usize, String) {
    let err = scenarios::load_str(name, text).expect_err("the value is invalid");
    let d = err.diagnostic().unwrap_or_else(|| panic!("no position: {err}"));
    (d.line, d.column, err.to_string())
}
