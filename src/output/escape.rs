//! Making strangers' strings safe to show: EHLO names and addresses are whatever the
//! connecting machine chose, so they must not run as spreadsheet formulas or reach a
//! terminal as escape sequences.

/// OWASP's advice for CSV injection: a cell starting with `=`, `+`, `-`, `@`, tab or CR is
/// prefixed with `'` so spreadsheets show it as text.
pub fn csv_cell(s: &str) -> std::borrow::Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}

/// Control characters (C0, DEL, C1, including ESC) shown as `\x1b`-style escapes.
pub fn terminal(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&c.escape_default().to_string().replace("\\u{", "\\x{"));
        } else {
            out.push(c);
        }
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cell_neutralises_formulas() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("\rx"), "'\rx");
        assert_eq!(csv_cell("globex.co.uk"), "globex.co.uk");
        assert_eq!(csv_cell(""), "");
    }

    #[test]
    fn terminal_escapes_controls() {
        assert_eq!(terminal("mx\u{1b}[31mred"), "mx\\x{1b}[31mred");
        assert_eq!(terminal("a\u{7}b\u{9b}c"), "a\\x{7}b\\x{9b}c");
        assert_eq!(terminal("plain.example"), "plain.example");
        assert_eq!(terminal("Größe"), "Größe");
    }
}
