//! Reading untrusted workbooks: calls into calamine, contained, and cell values as text.
//!
//! Fuzzing found malformed workbooks on which calamine's arithmetic overflows (a `dimension`
//! whose end comes before its start): builds with overflow checks panic there, release builds
//! wrap. Every call into calamine goes through [`contained`], so such a defect becomes a clear
//! error for the person who uploaded the file instead of a crashed request.
//!
//! A formula's saved value is read, never the formula; but a formula that refers to another
//! workbook (`[1]Sheet1!A1`) saved a value from a file nobody here can see, which may be stale
//! or someone else's. Such cells are refused by their cell ([`Formulas`]), and a workbook
//! linked to others in ways no cell shows (through a defined name) is refused as a whole
//! (issue 12, finding 16).

use std::collections::HashMap;

use calamine::XlsxFormulaMetadata;

/// Runs `call`; `Err(())` when it panicked.
pub(crate) fn contained<T>(call: impl FnOnce() -> T) -> Result<T, ()> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).map_err(|_| ())
}

/// A cell's value as text, as the spreadsheet shows it: a date cell as ISO 8601
/// (2026-04-01), a whole number without decimals. Formulas are not evaluated: this is the
/// value the program that saved the file calculated. An error value (#DIV/0!) is `Err` with
/// a Japanese message.
pub(crate) fn cell_text(value: &calamine::DataRef<'_>) -> Result<String, String> {
    use calamine::DataRef;
    Ok(match value {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        // Excel's dates run from 1900 to 9999 (serials 1 to 2,958,465).
        DataRef::DateTime(d) if d.is_datetime() && (1.0..2_958_466.0).contains(&d.as_f64()) => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        DataRef::DateTime(d) => d.as_f64().to_string(),
        DataRef::Error(e) => {
            return Err(format!("セルがエラー値（{e}）です。値を入力してください"));
        }
        DataRef::Empty => String::new(),
    })
}

/// Whether a formula refers to another workbook: `[1]Sheet1!A1` or `'[1]Sheet 1'!A1` as Excel
/// stores it (the number is the external link's), a bracketed file name (`[台帳.xlsx]Sheet1!A1`),
/// or an address (`'file:///…'#$Sheet1.A1`, as LibreOffice writes it). Text in double quotes
/// (a HYPERLINK's address, say) is not a reference; a table's column (`Table1[2024]`,
/// `[[#This Row],[2024]]`) is not followed by a sheet and `!`.
pub(crate) fn refers_elsewhere(formula: &str) -> bool {
    let mut outside = String::with_capacity(formula.len());
    let mut quoted = false;
    for c in formula.chars() {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted {
            outside.push(c);
        }
    }
    let lower = outside.to_lowercase();
    if lower.contains("file:") || lower.contains("://") {
        return true;
    }
    let chars: Vec<char> = outside.chars().collect();
    for (at, c) in chars.iter().enumerate() {
        if *c != '[' {
            continue;
        }
        let before = at.checked_sub(1).map(|i| chars[i]);
        if before.is_some_and(|b| b.is_alphanumeric() || b == '_' || b == ']' || b == '[') {
            continue;
        }
        let Some(close) = chars[at + 1..].iter().position(|c| *c == ']') else {
            continue;
        };
        let inside: String = chars[at + 1..at + 1 + close].iter().collect();
        let after = &chars[at + 2 + close..];
        let names_a_sheet = after
            .iter()
            .take_while(|c| !matches!(c, '[' | ']' | ',' | '(' | ')' | ';'))
            .any(|c| *c == '!');
        let a_file = inside.chars().all(|c| c.is_ascii_digit())
            || inside.rsplit_once('.').is_some_and(|(_, ext)| {
                ["xls", "xlsx", "xlsm", "xlsb", "ods", "csv"]
                    .contains(&ext.to_ascii_lowercase().as_str())
            });
        if !inside.is_empty() && a_file && names_a_sheet {
            return true;
        }
    }
    false
}

/// The formulas of a sheet as its cells are read, remembering which shared formulas refer to
/// another workbook (the cells that share one carry only its index).
#[derive(Debug, Default)]
pub(crate) struct Formulas {
    shared_elsewhere: HashMap<usize, String>,
    /// Whether any cell read so far referred to another workbook.
    pub(crate) found: bool,
}

impl Formulas {
    /// The message for a cell whose formula refers to another workbook; `None` for any other.
    pub(crate) fn elsewhere(&mut self, formula: Option<&XlsxFormulaMetadata>) -> Option<String> {
        let text = match formula? {
            XlsxFormulaMetadata::Normal { formula } => {
                refers_elsewhere(formula).then(|| formula.clone())
            }
            XlsxFormulaMetadata::Shared {
                shared_index,
                formula,
                ..
            } => refers_elsewhere(formula).then(|| {
                self.shared_elsewhere.insert(*shared_index, formula.clone());
                formula.clone()
            }),
            XlsxFormulaMetadata::SharedDerived { shared_index } => {
                self.shared_elsewhere.get(shared_index).cloned()
            }
            _ => None,
        }?;
        self.found = true;
        let shown: String = text.chars().take(60).collect();
        let more = if shown.len() < text.len() { "…" } else { "" };
        Some(format!(
            "数式がほかのブックを参照しています（={shown}{more}）。参照先の値は確かめられないため読み込みません。値を直接入力して保存し直してください"
        ))
    }
}

/// The refusal of a workbook linked to other workbooks where no cell read shows it.
pub(crate) fn linked_elsewhere(name: &str) -> String {
    format!(
        "{name} はほかのブックへのリンクを含んでいます。参照先の値は確かめられないため読み込みません。Excel の「データ」→「リンクの編集」で「リンクの解除」をしてから保存し直してください"
    )
}

#[cfg(test)]
mod tests {
    use super::refers_elsewhere;

    #[test]
    fn references_to_other_workbooks_are_told_from_tables_and_text() {
        for elsewhere in [
            "[1]Sheet1!A1",
            "'[1]Sheet 1'!A1+1",
            "SUM([2]台帳!$C$2:$C$9)",
            "[台帳.xlsx]Sheet1!A1",
            "'file:///home/tanaka/台帳.ods'#$Sheet1.A1",
            "'C:\\共有\\[台帳.xlsm]一覧'!B2",
        ] {
            assert!(refers_elsewhere(elsewhere), "{elsewhere}");
        }
        for here in [
            "A1+B1",
            "Sheet1!A1",
            "'満たす'!A1",
            "Table1[2024]",
            "Table1[[#This Row],[2024]]",
            "SUM(Table1[Amount])",
            "HYPERLINK(\"https://example.lg.jp/[1]x!a\",\"リンク\")",
            "\"[1]Sheet1!A1\"",
        ] {
            assert!(!refers_elsewhere(here), "{here}");
        }
    }
}
