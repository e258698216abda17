//! The 外部サービス利用台帳 as an Excel workbook: the same columns as the CSV, each cell written
//! as text (so nothing is ever run as a formula), a frozen, filterable header row, and A4
//! landscape printing one page wide.

use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, XlsxError};
use sentei_store::LedgerEntryView;

use crate::ledger_csv::{cells, headings};

/// Widths of the columns, in characters.
const WIDTHS: [f64; 14] = [
    8.0, 28.0, 22.0, 28.0, 10.0, 12.0, 12.0, 14.0, 12.0, 22.0, 8.0, 5.0, 16.0, 12.0,
];

/// The ledger entries as the bytes of an .xlsx file; states as of `today`.
pub fn write(entries: &[LedgerEntryView], today: time::Date) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("外部サービス利用台帳")?;
    let heading = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(0xDDEBF7));
    let cell = Format::new().set_text_wrap().set_border(FormatBorder::Thin);
    for (col, title) in headings().into_iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, col, title, &heading)?;
    }
    for (col, width) in WIDTHS.iter().enumerate() {
        sheet.set_column_width(u16::try_from(col).unwrap_or(u16::MAX), *width)?;
    }
    for (row, entry) in entries.iter().enumerate() {
        let row = u32::try_from(row + 1).unwrap_or(u32::MAX);
        for (col, text) in cells(entry, today).iter().enumerate() {
            let col = u16::try_from(col).unwrap_or(u16::MAX);
            sheet.write_string_with_format(row, col, text, &cell)?;
        }
    }
    let last_row = u32::try_from(entries.len()).unwrap_or(u32::MAX);
    sheet.autofilter(0, 0, last_row, 13)?;
    sheet.set_freeze_panes(1, 0)?;
    sheet.set_repeat_rows(0, 0)?;
    sheet
        .set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0);
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx};
    use sentei_core::ledger::LedgerFields;
    use sentei_store::LedgerEntryView;

    #[test]
    fn the_workbook_has_the_columns_and_keeps_formula_like_text_as_text() {
        let start = time::Date::from_calendar_date(2026, time::Month::April, 1).unwrap();
        let entry = LedgerEntryView {
            id: 7,
            application_id: None,
            version: 2,
            abolished: false,
            fields: LedgerFields {
                service_name: "=HYPERLINK(\"http://example.invalid\")".to_owned(),
                provider: "例示クラウド株式会社".to_owned(),
                purpose: "住民からの申請の受付".to_owned(),
                classification: "機密性2".to_owned(),
                period_start: start,
                period_end: start,
                applicant_department: "市民課".to_owned(),
                applicant_name: "申請 花子".to_owned(),
                user_scope: "市民課の職員".to_owned(),
            },
            profile_id: "shunan-2023".to_owned(),
            profile_version: "1".to_owned(),
            verdict: "approvable".to_owned(),
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
        };
        let bytes = super::write(&[entry], start.next_day().unwrap()).unwrap();
        let mut workbook = Xlsx::new(Cursor::new(bytes)).unwrap();
        let range = workbook.worksheet_range("外部サービス利用台帳").unwrap();
        let row = |r: usize| -> Vec<String> {
            range
                .rows()
                .nth(r)
                .unwrap()
                .iter()
                .map(Data::to_string)
                .collect()
        };
        assert_eq!(row(0), crate::ledger_csv::headings());
        assert_eq!(row(1)[1], "=HYPERLINK(\"http://example.invalid\")");
        assert_eq!(row(1)[2], "例示クラウド株式会社");
        assert_eq!(row(1)[5], "2026-04-01");
        assert_eq!(row(1)[10], "期限切れ", "ended the day before");
        // Written as a string: no formula behind the cell.
        let formulas = workbook.worksheet_formula("外部サービス利用台帳").unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
    }
}
