//! Small text helpers for the HTML report: escaping for HTML/SVG text and attributes, numbers
//! formatted for people (thousands, percentages, distances) and shell quoting.

use std::fmt::Write;

/// Appends `s` escaped for HTML text and double-quoted attribute values.
pub(super) fn push_esc(out: &mut String, s: &str) {
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
}

/// `s` escaped for HTML.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_esc(&mut out, s);
    out
}

/// A whole number with thousands separators (rounded).
pub(super) fn int(x: f64) -> String {
    crate::report::table::thousands(x)
}

/// A share as a percentage with one decimal: `0.8734` → `87.3%`.
pub(super) fn pct(share: f64) -> String {
    format!("{}%", crate::report::table::fixed(share * 100.0, 1))
}

/// A distance for people: `850 m`, `1.2 km`.
pub(super) fn metres(d_m: f64) -> String {
    if d_m >= 10_000.0 {
        format!("{:.0} km", d_m / 1000.0)
    } else if d_m >= 1000.0 {
        let s = format!("{:.1}", d_m / 1000.0);
        format!("{} km", s.trim_end_matches(".0"))
    } else {
        format!("{d_m:.0} m")
    }
}

/// A number with at most `digits` decimals and no trailing zeros (for SVG coordinates).
pub(super) fn push_num(out: &mut String, x: f64, digits: usize) {
    if digits == 0 {
        let _ = write!(out, "{}", x.round() as i64);
        return;
    }
    let start = out.len();
    let _ = write!(out, "{x:.digits$}");
    let trimmed = out[start..]
        .trim_end_matches('0')
        .trim_end_matches('.')
        .len();
    out.truncate(start + trimmed);
    if &out[start..] == "-0" {
        out.truncate(start);
        out.push('0');
    }
}

/// A float as `f64`'s shortest round-trip text (what `data-value` attributes carry).
pub(super) fn exact(x: f64) -> String {
    if x.is_finite() {
        // `+ 0.0` turns an empty sum's -0.0 into 0.
        format!("{}", x + 0.0)
    } else {
        "null".into()
    }
}

/// The arguments as one line a POSIX shell would split back into the same words.
pub(crate) fn shell_line(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_alphanumeric() || "-_./=:,+@%".contains(c) || (c as u32) > 0x7f);
            if plain {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(esc("街道"), "街道");
    }

    #[test]
    fn formats_numbers_for_people() {
        assert_eq!(pct(0.87345), "87.3%");
        assert_eq!(metres(850.4), "850 m");
        assert_eq!(metres(1000.0), "1 km");
        assert_eq!(metres(1250.0), "1.2 km");
        let mut s = String::new();
        push_num(&mut s, 12.50, 2);
        s.push(' ');
        push_num(&mut s, -0.001, 1);
        s.push(' ');
        push_num(&mut s, 1234.6, 0);
        assert_eq!(s, "12.5 0 1235");
    }

    #[test]
    fn quotes_shell_words_only_when_needed() {
        let args: Vec<String> = [
            "circleplan",
            "coverage",
            "--compounds",
            "my file.csv",
            "it's",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            shell_line(&args),
            r"circleplan coverage --compounds 'my file.csv' 'it'\''s'"
        );
    }
}
