//! Text for people: judgements and profiles in Japanese, aligned for a terminal.

pub mod judgement;
pub mod profile;

use unicode_width::UnicodeWidthStr;

/// Rows of cells as columns padded to display width (Japanese characters count double);
/// the last column is left unpadded so long explanations do not push the table apart.
pub fn columns(rows: &[Vec<String>]) -> String {
    let count = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..count)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.width())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < row.len() {
                let width = widths.get(c).copied().unwrap_or(0);
                line.push_str(&" ".repeat(width.saturating_sub(cell.width()) + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A long text on one line, newlines shown as " / ".
pub fn one_line(text: &str) -> String {
    text.lines().map(str::trim).collect::<Vec<_>>().join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_by_display_width() {
        let rows = vec![
            vec!["番号".to_owned(), "水準".to_owned(), "説明".to_owned()],
            vec!["1.10".to_owned(), "必須".to_owned(), "x".to_owned()],
        ];
        assert_eq!(columns(&rows), "番号  水準  説明\n1.10  必須  x\n");
    }
}
