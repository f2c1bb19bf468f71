//! Escaping of every piece of user text (scenario names, summaries, comments, ids) before it
//! goes into the HTML or an SVG: the five characters that can end a text node or an
//! attribute value.

/// `a < b & "c"` → `a &lt; b &amp; &quot;c&quot;`: safe in element content and in a quoted
/// attribute alike.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(esc(r#"<script>alert("x") & 'y'</script>"#), "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;");
        assert_eq!(esc("plain — text"), "plain — text");
    }
}
