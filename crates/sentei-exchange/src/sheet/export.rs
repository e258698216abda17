//! Writing an assessment as a check sheet workbook (rust_xlsxwriter).

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DocProperties, Format, FormatAlign,
    FormatBorder, ProtectionOptions, Workbook, Worksheet, XlsxError,
};
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
    category: String,
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
            item.category.join(" / "),
            item.text.as_str(),
            assessment.answer(i),
            item.is_derived(),
        )
    });
    let extra_items = assessment.extra_items.iter().map(|e| {
        (
            e.id.as_str(),
            e.category.join(" / "),
            e.text.as_str(),
            e.answer.as_ref(),
            false,
        )
    });
    profile_items
        .chain(extra_items)
        .zip(&judgement.items)
        .filter(|(_, judged)| scope == Scope::All || judged.applies)
        .map(|((id, category, text, answer, derived), judged)| Row {
            id,
            category,
            text,
            level: judged.level,
            applies: judged.applies,
            why: judged.why,
            open: judged.answered_by_people(derived),
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

fn write_items(
    sheet: &mut Worksheet,
    profile: &Profile,
    assessment: &Assessment,
    rows: &[Row<'_>],
) -> Result<(), Built> {
    let border = Format::new()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let heading = border
        .clone()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7));
    let locked = border.clone();
    let open = border
        .clone()
        .set_unlocked()
        .set_background_color(Color::RGB(0xFFFDE7));
    let greyed = border
        .clone()
        .set_font_color(Color::RGB(0x6B6B6B))
        .set_background_color(Color::RGB(0xEDEDED));

    sheet
        .set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    sheet.set_header(format!(
        "&L{}&R{}",
        escape_header(&assessment.service.name),
        escape_header(&format!("{}（版 {}）", profile.title, profile.version))
    ));
    sheet.set_footer("&C&P / &N");
    sheet.set_freeze_panes(1, 0)?;
    for (col, (title, width)) in HEADINGS.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet.set_column_width(col, *width)?;
        sheet.write_string_with_format(0, col, *title, &heading)?;
    }

    let mut answer_rows = Vec::new();
    for (n, item) in rows.iter().enumerate() {
        let row = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let style = if item.applies { &locked } else { &greyed };
        sheet.write_number_with_format(row, COL_NUMBER, f64::from(row), style)?;
        sheet.write_string_with_format(row, COL_ID, item.id, style)?;
        sheet.write_string_with_format(row, COL_CATEGORY, &item.category, style)?;
        sheet.write_string_with_format(row, COL_TEXT, item.text, style)?;
        sheet.write_string_with_format(row, COL_LEVEL, item.level, style)?;
        let applies = if item.applies { "適用" } else { "対象外" };
        sheet.write_string_with_format(
            row,
            COL_APPLIES,
            format!("{applies}: {}", item.why),
            style,
        )?;
        if !item.open {
            let shown = if item.applies { FROM_FACTS } else { "" };
            sheet.write_string_with_format(row, COL_ANSWER, shown, style)?;
            sheet.write_string_with_format(row, COL_REASON, "", style)?;
            sheet.write_string_with_format(row, COL_EVIDENCE, "", style)?;
            continue;
        }
        let answer = item.answer;
        let status = answer.map_or("", |a| layout::answer_label(a.status));
        let reason = answer.and_then(|a| a.reason.as_deref()).unwrap_or("");
        let evidence = answer.and_then(|a| a.evidence.as_deref()).unwrap_or("");
        sheet.write_string_with_format(row, COL_ANSWER, status, &open)?;
        sheet.write_string_with_format(row, COL_REASON, reason, &open)?;
        sheet.write_string_with_format(row, COL_EVIDENCE, evidence, &open)?;
        answer_rows.push(row);
    }

    let labels: Vec<&str> = ANSWERS.iter().map(|(label, _)| *label).collect();
    let dropdown = DataValidation::new()
        .allow_list_strings(&labels)?
        .set_error_style(DataValidationErrorStyle::Stop)
        .set_error_title("回答")?
        .set_error_message(
            "一覧から選んでください（満たす・満たさない・対象外（不要）・未回答）。",
        )?;
    for (first, last) in runs(&answer_rows) {
        sheet.add_data_validation(first, COL_ANSWER, last, COL_ANSWER, &dropdown)?;
    }
    sheet.protect_with_options(&ProtectionOptions {
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::default()
    });
    Ok(())
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
    use super::runs;

    #[test]
    fn rows_are_grouped_into_runs() {
        assert_eq!(runs(&[1, 2, 3, 5, 7, 8]), vec![(1, 3), (5, 5), (7, 8)]);
        assert!(runs(&[]).is_empty());
    }
}
