//! Writing an assessment as a check sheet workbook (rust_xlsxwriter).

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DocProperties, Format, FormatAlign,
    FormatBorder, ProtectionOptions, Workbook, Worksheet, XlsxError,
};
use sentei_core::profile::SheetLayout;
use sentei_core::profile::sheet::{HeaderValue, SheetColumn, Show};
use sentei_core::{Answer, Assessment, Profile, judge};
use serde_json::Value;

use super::layout::{self, *};
use super::{SheetError, SheetProblem};

/// Which items the sheet lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Scope {
    /// Only the items that apply to this service: what a vendor has to answer.
    #[default]
    Applicable,
    /// Every item; those that do not apply are greyed, with the reason they do not.
    All,
}

/// Longest text a cell may hold in Excel.
const MAX_CELL_CHARS: usize = 32_767;

/// The workbook for an assessment under its profile, as bytes of an .xlsx file.
pub fn export(
    profile: &Profile,
    assessment: &Assessment,
    scope: Scope,
) -> Result<Vec<u8>, SheetError> {
    build(profile, assessment, scope).map_err(|e| match e {
        Built::Sheet(e) => e,
        Built::Xlsx(e) => SheetError::one(SheetProblem::file(format!(
            "チェックシートを作れませんでした（{e}）"
        ))),
    })
}

enum Built {
    Sheet(SheetError),
    Xlsx(XlsxError),
}

impl From<XlsxError> for Built {
    fn from(e: XlsxError) -> Built {
        Built::Xlsx(e)
    }
}

/// One row of the items sheet.
struct Row<'a> {
    id: &'a str,
    categories: &'a [String],
    text: &'a str,
    level: &'a str,
    applies: bool,
    why: &'a str,
    /// Answered in the sheet (unlocked), rather than decided by the facts or not applying.
    open: bool,
    answer: Option<&'a Answer>,
}

fn rows<'a>(profile: &'a Profile, assessment: &'a Assessment, scope: Scope) -> Vec<Row<'a>> {
    let judgement = judge(profile, assessment);
    let profile_items = profile.items.iter().enumerate().map(|(i, item)| {
        (
            item.id.as_str(),
            item.category.as_slice(),
            item.text.as_str(),
            assessment.answer(i),
            Some(item),
        )
    });
    let extra_items = assessment.extra_items.iter().map(|e| {
        (
            e.id.as_str(),
            e.category.as_slice(),
            e.text.as_str(),
            e.answer.as_ref(),
            None,
        )
    });
    profile_items
        .chain(extra_items)
        .zip(&judgement.items)
        .filter(|(_, judged)| scope == Scope::All || judged.applies)
        .map(|((id, categories, text, answer, item), judged)| Row {
            id,
            categories,
            text,
            level: judged.level,
            applies: judged.applies,
            why: judged.why,
            // Items added to the assessment are always answered by people.
            open: item.map_or(judged.applies, |item| judged.answered_by_people(item)),
            answer,
        })
        .collect()
}

fn build(profile: &Profile, assessment: &Assessment, scope: Scope) -> Result<Vec<u8>, Built> {
    let rows = rows(profile, assessment, scope);
    let open: Vec<&str> = rows.iter().filter(|r| r.open).map(|r| r.id).collect();
    let base = base_document(profile, assessment, &open);
    let answered_here = open.join("\n");
    if base.chars().count() > MAX_CELL_CHARS || answered_here.chars().count() > MAX_CELL_CHARS {
        return Err(Built::Sheet(SheetError::one(SheetProblem::file(
            "評価の事実と追加項目が多すぎて、チェックシートに収まりません",
        ))));
    }
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!("チェックシート: {}", assessment.service.name))
            .set_subject(format!("{}（版 {}）", profile.title, profile.version))
            .set_custom_property("sentei-profile", profile.id.as_str())
            .set_custom_property("sentei-profile-version", profile.version.as_str()),
    );
    let items = workbook.add_worksheet();
    items.set_name(ITEMS_SHEET)?;
    write_items(items, profile, assessment, &rows)?;

    let meta = workbook.add_worksheet();
    meta.set_name(META_SHEET)?;
    meta.set_hidden(true);
    let checksum = layout::checksum(&profile.id, &profile.version, &base, &answered_here);
    meta.write_string(
        0,
        0,
        "sentei がこのチェックシートを読み込むための情報です。変更しないでください。",
    )?;
    for (row, (key, value)) in [
        (KEY_FORMAT, FORMAT),
        (KEY_PROFILE, profile.id.as_str()),
        (KEY_VERSION, profile.version.as_str()),
        (KEY_BASE, base.as_str()),
        (KEY_ITEMS, answered_here.as_str()),
        (KEY_CHECKSUM, checksum.as_str()),
    ]
    .into_iter()
    .enumerate()
    {
        let row = u32::try_from(row + 1).unwrap_or(u32::MAX);
        meta.write_string(row, 0, key)?;
        meta.write_string(row, 1, value)?;
    }
    meta.protect();
    Ok(workbook.save_to_buffer()?)
}

/// The assessment file without the answers the sheet's open rows carry: those come back
/// from the sheet; every other answer is kept as it was.
fn base_document(profile: &Profile, assessment: &Assessment, open: &[&str]) -> String {
    let mut document = assessment.to_document(profile);
    if let Some(answers) = document.get_mut("answers").and_then(Value::as_object_mut) {
        if let Some(items) = answers.get_mut("items").and_then(Value::as_object_mut) {
            items.retain(|id, _| !open.contains(&id.as_str()));
        }
        if answers
            .get("items")
            .and_then(Value::as_object)
            .is_some_and(|i| i.is_empty())
        {
            answers.remove("items");
        }
    }
    document.to_string()
}

/// The cell formats of the items sheet.
struct Formats {
    heading: Format,
    locked: Format,
    open: Format,
    greyed: Format,
}

impl Formats {
    fn new() -> Formats {
        let border = Format::new()
            .set_border(FormatBorder::Thin)
            .set_text_wrap()
            .set_align(FormatAlign::Top);
        Formats {
            heading: border
                .clone()
                .set_bold()
                .set_background_color(Color::RGB(0xDDEBF7)),
            open: border
                .clone()
                .set_unlocked()
                .set_background_color(Color::RGB(0xFFFDE7)),
            greyed: border
                .clone()
                .set_font_color(Color::RGB(0x6B6B6B))
                .set_background_color(Color::RGB(0xEDEDED)),
            locked: border,
        }
    }
}

fn col(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

fn write_items(
    sheet: &mut Worksheet,
    profile: &Profile,
    assessment: &Assessment,
    rows: &[Row<'_>],
) -> Result<(), Built> {
    let layout = &profile.sheet;
    let formats = Formats::new();
    sheet
        .set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0);
    sheet.set_header(format!(
        "&L{}&R{}",
        escape_header(&assessment.service.name),
        escape_header(&format!("{}（版 {}）", profile.title, profile.version))
    ));
    sheet.set_footer("&C&P / &N");
    for (n, column) in layout.columns.iter().enumerate() {
        sheet.set_column_width(col(n), column.width)?;
    }

    let mut next = write_header_fields(sheet, layout, assessment, &formats)?;
    let first_heading_row = next;
    if layout.columns.iter().any(|c| c.group.is_some()) {
        write_groups(sheet, layout, next, &formats)?;
        next += 1;
    }
    let heading_row = next;
    write_headings(sheet, layout, heading_row, &formats)?;
    sheet.set_repeat_rows(first_heading_row, heading_row)?;
    sheet.set_freeze_panes(heading_row + 1, 0)?;

    let mut answer_rows = Vec::new();
    for (n, item) in rows.iter().enumerate() {
        let row = heading_row + 1 + u32::try_from(n).unwrap_or(u32::MAX);
        let style = if item.applies {
            &formats.locked
        } else {
            &formats.greyed
        };
        let mut lines = 1;
        for (c, column) in layout.columns.iter().enumerate() {
            let c = col(c);
            let answered =
                item.open && matches!(column.show, Show::Answer | Show::Reason | Show::Evidence);
            let format = if answered { &formats.open } else { style };
            match column.show {
                Show::Number => {
                    let number = u32::try_from(n + 1).unwrap_or(u32::MAX);
                    sheet.write_number_with_format(row, c, f64::from(number), format)?;
                }
                other => {
                    let text = cell_text(other, column, item, layout);
                    lines = lines.max(wrapped_lines(&text, column.width));
                    sheet.write_string_with_format(row, c, &*text, format)?;
                }
            }
        }
        sheet.set_row_height(row, row_height(lines))?;
        if item.open {
            answer_rows.push(row);
        }
    }

    if let Some((answer_col, _)) = layout.column(Show::Answer) {
        let labels = layout.labels();
        let mut message = format!("一覧から選んでください（{}）。", labels.join("・"));
        // Excel shows at most 255 characters; the profile's words may be longer together.
        if message.chars().count() > 255 {
            message = "一覧から選んでください。".to_owned();
        }
        let dropdown = DataValidation::new()
            .allow_list_strings(&labels)?
            .set_error_style(DataValidationErrorStyle::Stop)
            .set_error_title("回答")?
            .set_error_message(message)?;
        for (first, last) in runs(&answer_rows) {
            sheet.add_data_validation(first, answer_col, last, answer_col, &dropdown)?;
        }
    }
    sheet.protect_with_options(&ProtectionOptions {
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::default()
    });
    Ok(())
}

/// How many lines `text` takes when wrapped in a column `width` characters wide. Excel fits a
/// row to its wrapped text when it opens a file; LibreOffice, and its PDF export, keep the
/// height the file gives, so the sheet gives one. A column's width counts narrow characters;
/// a Japanese one takes two.
fn wrapped_lines(text: &str, width: f64) -> u32 {
    use unicode_width::UnicodeWidthStr;
    // A character's worth of the width goes to the cell's margins.
    let usable = (width - 1.0).max(1.0);
    text.split('\n')
        .map(|line| {
            let wide = line.width() as f64;
            // Whole lines only, a positive count far below u32::MAX for any cell Excel holds.
            (wide / usable).ceil().clamp(1.0, 409.0) as u32
        })
        .sum::<u32>()
        .max(1)
}

/// The height, in points, of a row of `lines` lines of the default 11-point font; Excel's
/// most is 409.
fn row_height(lines: u32) -> f64 {
    (f64::from(lines) * 15.0 + 3.0).min(409.0)
}

/// What a column shows for an item, as text.
fn cell_text<'a>(
    show: Show,
    column: &SheetColumn,
    item: &'a Row<'_>,
    layout: &'a SheetLayout,
) -> std::borrow::Cow<'a, str> {
    use std::borrow::Cow;
    let answer = item.answer;
    match show {
        Show::Number => Cow::Borrowed(""),
        Show::Id => Cow::Borrowed(item.id),
        Show::Category => match column.part {
            Some(part) => Cow::Borrowed(
                item.categories
                    .get(part.saturating_sub(1))
                    .map_or("", String::as_str),
            ),
            None => Cow::Owned(item.categories.join(" / ")),
        },
        Show::Text => Cow::Borrowed(item.text),
        Show::Level => Cow::Borrowed(item.level),
        Show::Applies => {
            let applies = if item.applies { "適用" } else { "対象外" };
            Cow::Owned(format!("{applies}: {}", item.why))
        }
        Show::Answer if !item.open => Cow::Borrowed(if item.applies { FROM_FACTS } else { "" }),
        Show::Reason | Show::Evidence if !item.open => Cow::Borrowed(""),
        Show::Answer => Cow::Borrowed(answer.map_or("", |a| layout.label(a.status))),
        Show::Reason => Cow::Borrowed(answer.and_then(|a| a.reason.as_deref()).unwrap_or("")),
        Show::Evidence => Cow::Borrowed(answer.and_then(|a| a.evidence.as_deref()).unwrap_or("")),
    }
}

/// The fields above the table (the service, the provider, blanks to fill by hand), and an
/// empty row after them; returns the first row below.
fn write_header_fields(
    sheet: &mut Worksheet,
    layout: &SheetLayout,
    assessment: &Assessment,
    formats: &Formats,
) -> Result<u32, Built> {
    let mut row = 0u32;
    for fields in &layout.header {
        let mut c = 0u16;
        for field in fields {
            let value = match field.value {
                Some(HeaderValue::Service) => assessment.service.name.as_str(),
                Some(HeaderValue::Provider) => assessment.service.provider.as_str(),
                None => "",
            };
            for (text, span, format) in [
                (field.label.as_str(), field.label_columns, &formats.heading),
                (value, field.value_columns, &formats.locked),
            ] {
                let last = c.saturating_add(span.saturating_sub(1));
                if last > c {
                    sheet.merge_range(row, c, row, last, text, format)?;
                } else {
                    sheet.write_string_with_format(row, c, text, format)?;
                }
                c = last.saturating_add(1);
            }
        }
        row += 1;
    }
    Ok(if row > 0 { row + 1 } else { 0 })
}

/// The row above the headings: each group's heading over its columns.
fn write_groups(
    sheet: &mut Worksheet,
    layout: &SheetLayout,
    row: u32,
    formats: &Formats,
) -> Result<(), Built> {
    write_spans(
        sheet,
        layout,
        row,
        formats,
        |c| c.group.as_deref().unwrap_or(""),
        |first, next| first.group.is_some() && next.group == first.group,
    )?;
    Ok(())
}

/// The heading row, as high as its longest heading needs; a heading spans the columns after
/// it that have none.
fn write_headings(
    sheet: &mut Worksheet,
    layout: &SheetLayout,
    row: u32,
    formats: &Formats,
) -> Result<(), Built> {
    let lines = write_spans(
        sheet,
        layout,
        row,
        formats,
        |c| c.heading.as_str(),
        |_, next| next.heading.is_empty(),
    )?;
    sheet.set_row_height(row, row_height(lines))?;
    Ok(())
}

/// Writes a row of headings: each column's `text`, merged over the columns after it while
/// `continues(first, next)` holds. Returns the most lines any of them wraps to.
fn write_spans<'a>(
    sheet: &mut Worksheet,
    layout: &'a SheetLayout,
    row: u32,
    formats: &Formats,
    text: impl Fn(&'a SheetColumn) -> &'a str,
    continues: impl Fn(&SheetColumn, &SheetColumn) -> bool,
) -> Result<u32, Built> {
    let columns = &layout.columns;
    let mut lines = 1;
    let mut n = 0;
    while n < columns.len() {
        let mut last = n;
        while columns
            .get(last + 1)
            .is_some_and(|next| continues(&columns[n], next))
        {
            last += 1;
        }
        let text = text(&columns[n]);
        let width: f64 = columns[n..=last].iter().map(|c| c.width).sum();
        lines = lines.max(wrapped_lines(text, width));
        if last > n {
            sheet.merge_range(row, col(n), row, col(last), text, &formats.heading)?;
        } else {
            sheet.write_string_with_format(row, col(n), text, &formats.heading)?;
        }
        n = last + 1;
    }
    Ok(lines)
}

/// Consecutive rows as (first, last) runs, so each run gets one validation range.
fn runs(rows: &[u32]) -> Vec<(u32, u32)> {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for &row in rows {
        match runs.last_mut() {
            Some(last) if last.1 + 1 == row => last.1 = row,
            _ => runs.push((row, row)),
        }
    }
    runs
}

/// Header and footer text treats `&` as a control character.
fn escape_header(text: &str) -> String {
    text.replace('&', "&&")
}

#[cfg(test)]
mod tests {
    use super::{row_height, runs, wrapped_lines};

    #[test]
    fn wrapped_text_gets_the_lines_it_needs() {
        assert_eq!(wrapped_lines("", 10.0), 1);
        assert_eq!(wrapped_lines("abc", 10.0), 1);
        // 20 Japanese characters are 40 narrow ones: 5 lines of 9 in a column 10 wide.
        assert_eq!(wrapped_lines(&"要".repeat(20), 10.0), 5);
        assert_eq!(wrapped_lines("一行目\n二行目", 60.0), 2);
        assert_eq!(row_height(1), 18.0);
        assert_eq!(row_height(1_000), 409.0);
    }

    #[test]
    fn rows_are_grouped_into_runs() {
        assert_eq!(runs(&[1, 2, 3, 5, 7, 8]), vec![(1, 3), (5, 5), (7, 8)]);
        assert!(runs(&[]).is_empty());
    }
}
