//! The 外部サービス利用台帳 as an Excel workbook: the same columns as the CSV, the entry number
//! and version as numbers, the period as dates (so Excel sorts and filters them as such), every
//! other cell written as text (so nothing is ever run as a formula), a frozen, filterable
//! header row, and A4 landscape printing one page wide.

use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatBorder, Workbook, XlsxError};
use sentei_core::assessment::Catalog;
use sentei_store::LedgerEntryView;

use crate::ledger_csv::{cells, headings};

/// Columns written as numbers (台帳番号, 版) and as dates (the period's start and end).
const NUMBER_COLUMNS: [usize; 2] = [0, 11];
const DATE_COLUMNS: [usize; 2] = [5, 6];

/// Widths of the columns, in characters.
const WIDTHS: [f64; 14] = [
    8.0, 28.0, 22.0, 28.0, 10.0, 12.0, 12.0, 14.0, 12.0, 22.0, 8.0, 5.0, 16.0, 12.0,
];

/// The ledger entries as the bytes of an .xlsx file; states as of `today`.
pub fn write(
    entries: &[LedgerEntryView],
    today: time::Date,
    catalog: &Catalog,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("外部サービス利用台帳")?;
    let heading = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(0xDDEBF7));
    let cell = Format::new().set_text_wrap().set_border(FormatBorder::Thin);
    let date = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("yyyy/m/d");
    let number = Format::new().set_border(FormatBorder::Thin);
    for (col, title) in headings().into_iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, col, title, &heading)?;
    }
    for (col, width) in WIDTHS.iter().enumerate() {
        sheet.set_column_width(u16::try_from(col).unwrap_or(u16::MAX), *width)?;
    }
    for (row, entry) in entries.iter().enumerate() {
        let row = u32::try_from(row + 1).unwrap_or(u32::MAX);
        let period = [entry.fields.period_start, entry.fields.period_end];
        let numbers = [entry.id, entry.version];
        for (index, text) in cells(entry, today, catalog).iter().enumerate() {
            let col = u16::try_from(index).unwrap_or(u16::MAX);
            if let Some(at) = DATE_COLUMNS.iter().position(|&c| c == index) {
                let day = period[at];
                let excel = ExcelDateTime::from_ymd(
                    u16::try_from(day.year()).unwrap_or(1900),
                    u8::from(day.month()),
                    day.day(),
                )?;
                sheet.write_datetime_with_format(row, col, &excel, &date)?;
            } else if let Some(at) = NUMBER_COLUMNS.iter().position(|&c| c == index) {
                // Entry numbers and versions are far below 2^53: exact as Excel numbers.
                #[allow(clippy::cast_precision_loss)] // see above
                let value = numbers[at] as f64;
                sheet.write_number_with_format(row, col, value, &number)?;
            } else {
                sheet.write_string_with_format(row, col, text, &cell)?;
            }
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
    use sentei_core::assessment::Catalog;
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
        let catalog = Catalog::new(sentei_core::builtin_profiles().unwrap());
        let bytes = super::write(&[entry], start.next_day().unwrap(), &catalog).unwrap();
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
        assert_eq!(row(1)[10], "期限切れ", "ended the day before");
        // Dates are dates, numbers numbers; criteria and verdicts by their Japanese names.
        let cell = |r: usize, c: usize| range.get((r, c)).unwrap().clone();
        // 2026-04-01 is day 46113 of Excel's calendar.
        assert!(
            matches!(cell(1, 5), Data::DateTime(d) if d.as_f64() == 46113.0),
            "{:?}",
            cell(1, 5)
        );
        assert_eq!(cell(1, 0), Data::Float(7.0));
        assert_eq!(cell(1, 11), Data::Float(2.0));
        assert_eq!(row(1)[12], "周南市外部サービス利用基準 第1版");
        assert_eq!(row(1)[13], "承認可能");
        // Written as a string: no formula behind the cell.
        let formulas = workbook.worksheet_formula("外部サービス利用台帳").unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
    }
}
