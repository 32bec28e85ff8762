//! Terminal columns: East Asian wide characters take two.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Columns `text` takes on a terminal.
pub fn columns(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` on one line, cut to at most `max` columns, with `…` where it was cut.
pub fn fit(text: &str, max: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    if columns(&one_line) <= max {
        return one_line;
    }
    let budget = max.saturating_sub(1);
    let mut used = 0;
    let mut fitted = String::new();
    for c in one_line.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > budget {
            break;
        }
        used += w;
        fitted.push(c);
    }
    if max > 0 {
        fitted.push('…');
    }
    fitted
}

/// The width of the terminal on standard output, if it is one.
pub fn terminal_columns() -> Option<usize> {
    terminal_size::terminal_size().map(|(terminal_size::Width(w), _)| usize::from(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_take_two_columns() {
        assert_eq!(columns("監視"), 4);
        assert_eq!(columns("ALB"), 3);
    }

    #[test]
    fn fit_cuts_at_a_column_budget_never_inside_a_character() {
        assert_eq!(fit("デッドレターキュー", 7), "デッド…");
        assert_eq!(columns(&fit("デッドレターキュー", 8)), 7);
        assert_eq!(fit("ALB\nEC2", 20), "ALB EC2");
    }
}
