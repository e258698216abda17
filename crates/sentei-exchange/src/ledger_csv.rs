//! The 外部サービス利用台帳 as CSV: (ア)–(キ) first, UTF-8 with a byte-order mark and CRLF line
//! ends so that Excel opens it as written, and no cell a spreadsheet would run as a formula.
//! On request the same text in Shift_JIS (CP932), for set-ups that expect it.

use sentei_core::assessment::Catalog;
use sentei_core::judgement::Verdict;
use sentei_core::ledger::HEADINGS;
use sentei_store::LedgerEntryView;
use time::Date;

/// The column headings of an exported ledger: the entry number, (ア)–(キ), then state.
pub fn headings() -> Vec<&'static str> {
    let mut header = vec!["台帳番号"];
    header.extend(HEADINGS);
    header.extend(["状態", "版", "基準", "判定"]);
    header
}

/// The criteria an entry was approved under, by their name: 「堺市クラウドサービス利用判断基準
/// 第2版」. A profile the catalog no longer has is named by its id.
pub fn profile_name(catalog: &Catalog, id: &str, version: &str) -> String {
    if id.is_empty() {
        // Read in from a ledger kept before sentei: approved under no profile of sentei's.
        return "（既存の台帳から取込）".to_owned();
    }
    let title = catalog.get(id).map_or(id, |p| p.title.as_str());
    format!("{title} 第{version}版")
}

/// A stored verdict in words (承認可能, 条件付きで承認可能, …).
pub fn verdict_label(code: &str) -> &str {
    match Verdict::parse(code) {
        Some(verdict) => verdict.label(),
        None => code,
    }
}

/// One entry as the cells of an exported row, in the order of [`headings`]; its state
/// (利用中・期限切れ・廃止) as of `today`; criteria and verdicts by their Japanese names.
pub fn cells(e: &LedgerEntryView, today: Date, catalog: &Catalog) -> [String; 14] {
    let f = &e.fields;
    [
        e.id.to_string(),
        f.service_name.clone(),
        f.provider.clone(),
        f.purpose.clone(),
        f.classification.clone(),
        f.period_start.to_string(),
        f.period_end.to_string(),
        f.applicant_department.clone(),
        f.applicant_name.clone(),
        f.user_scope.clone(),
        e.state_label(today).to_owned(),
        e.version.to_string(),
        profile_name(catalog, &e.profile_id, &e.profile_version),
        verdict_label(&e.verdict).to_owned(),
    ]
}

/// The ledger entries as CSV text, starting with a byte-order mark; states as of `today`.
pub fn write(
    entries: &[LedgerEntryView],
    today: Date,
    catalog: &Catalog,
) -> Result<String, csv::Error> {
    // Written once into a buffer of about the right size: for 100,000 entries (17 MB) growing
    // and copying it cost more than writing the CSV.
    let mut buffer = Vec::with_capacity(256 + entries.len() * 192);
    buffer.extend_from_slice("\u{FEFF}".as_bytes());
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(buffer);
    writer.write_record(headings())?;
    for e in entries {
        writer.write_record(cells(e, today, catalog).iter().map(|cell| neutralize(cell)))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    // Every cell is a Rust string, so the text is UTF-8; the lossy path never replaces.
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// The CSV text (as [`write`] makes it) in CP932, without the byte-order mark. A character
/// CP932 cannot hold (an emoji, a rare kanji variant) becomes 〓, the customary mark for a
/// character that could not be printed; the count of them is returned so callers can say so.
pub fn to_cp932(text: &str) -> (Vec<u8>, usize) {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let encoding = encoding_rs::SHIFT_JIS;
    let (bytes, _, unmappable) = encoding.encode(text);
    if !unmappable {
        return (bytes.into_owned(), 0);
    }
    // Slow path, only when something does not fit: character by character.
    let mut replaced = 0;
    let mut out = Vec::with_capacity(text.len());
    let mut buffer = [0u8; 4];
    for c in text.chars() {
        let (bytes, _, unmappable) = encoding.encode(c.encode_utf8(&mut buffer));
        if unmappable {
            replaced += 1;
            out.extend_from_slice(&encoding.encode("〓").0);
        } else {
            out.extend_from_slice(&bytes);
        }
    }
    (out, replaced)
}

/// A cell a spreadsheet would read as a formula (=, +, -, @, or a leading tab or CR) is
/// prefixed with an apostrophe so it is shown as text, never run.
pub fn neutralize(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{neutralize, to_cp932};

    #[test]
    fn cp932_keeps_japanese_and_marks_what_it_cannot_hold() {
        let text = "\u{FEFF}台帳番号,(ア) 外部サービスの名称\r\n1,住民向け①チャットボット\r\n";
        let (bytes, replaced) = to_cp932(text);
        assert_eq!(replaced, 0);
        let (back, _, errors) = encoding_rs::SHIFT_JIS.decode(&bytes);
        assert!(!errors);
        assert_eq!(back, text.trim_start_matches('\u{FEFF}'));
        // 𠮷 (U+20BB7) and an emoji are not in CP932.
        let (bytes, replaced) = to_cp932("吉野家と𠮷野家😀");
        assert_eq!(replaced, 2);
        assert_eq!(encoding_rs::SHIFT_JIS.decode(&bytes).0, "吉野家と〓野家〓");
    }

    #[test]
    fn formulas_are_neutralized_and_text_kept() {
        assert_eq!(
            neutralize("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(neutralize("+81-3"), "'+81-3");
        assert_eq!(neutralize("-1"), "'-1");
        assert_eq!(neutralize("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralize("\tx"), "'\tx");
        assert_eq!(neutralize("電子申請サービス"), "電子申請サービス");
        assert_eq!(neutralize("2026-04-01"), "2026-04-01");
    }
}
