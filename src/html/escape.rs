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

/// User prose (a scenario's header comment, an expectation's detail) as HTML: escaped, with
/// each `` `code` `` span (a pair of backticks on one piece of text) as `<code>`. A lone
/// backtick stays as it is.
pub fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('`') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('`') else { break };
        out.push_str(&esc(&rest[..open]));
        if close == 0 {
            // ``: nothing to set as code.
            out.push_str("``");
        } else {
            out.push_str("<code>");
            out.push_str(&esc(&after[..close]));
            out.push_str("</code>");
        }
        rest = &after[close + 1..];
    }
    out.push_str(&esc(rest));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticks_become_code_and_the_rest_is_escaped() {
        assert_eq!(inline("cut `ash/ch1` & <b>"), "cut <code>ash/ch1</code> &amp; &lt;b&gt;");
        assert_eq!(inline("`a<b>` then `c`"), "<code>a&lt;b&gt;</code> then <code>c</code>");
        assert_eq!(inline("a lone ` stays"), "a lone ` stays");
        assert_eq!(inline("no code"), "no code");
    }

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(esc(r#"<script>alert("x") & 'y'</script>"#), "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;");
        assert_eq!(esc("plain — text"), "plain — text");
    }
}
