//! Checks on an uploaded workbook before any of it is decompressed or parsed.
//!
//! calamine inflates whole parts (the shared strings, each sheet's XML as it streams) with no
//! limit of its own, so a few kilobytes can claim gigabytes (a zip bomb). Here the archive's
//! central directory is read first and the file is refused when it is too large, has too many
//! parts, declares too much uncompressed data in all, compresses a part suspiciously well, or
//! carries macros. Then every part is inflated once, reading at most one byte more than it
//! declares, so a part that lies about its size is refused too: what calamine reads afterwards
//! is bounded by the declared total.
//!
//! Some parts calamine keeps whole in memory, several times their size: the shared strings
//! (every distinct text of the workbook, read into one `String` each when the workbook is
//! opened, before any sheet) and the styles. A 2 MB workbook under the ratio check could hold
//! 95 MB of shared strings and take hundreds of megabytes to open (issue 12, finding 4), so
//! those parts have bounds of their own here, and the shared strings are counted with the
//! parser calamine uses before calamine sees them. Cells are read one at a time, and
//! [`CellBudget`] bounds how many a reader goes through.

use std::io::{Cursor, Read};

use super::{SheetError, SheetProblem};

/// Largest workbook accepted, in bytes. A filled sheet of the largest profile is ~30 KB.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Most parts (files inside the archive) a workbook may have.
const MAX_ENTRIES: usize = 1_000;
/// Most uncompressed bytes all parts together may claim.
const MAX_TOTAL_UNCOMPRESSED: u64 = 100 * 1024 * 1024;
/// Highest compression ratio accepted for a part larger than [`RATIO_FLOOR`]. Spreadsheet
/// XML compresses 10–30 times; bombs thousands of times.
const MAX_RATIO: u64 = 200;
const RATIO_FLOOR: u64 = 1024 * 1024;
/// Most bytes the shared strings may inflate to. A ledger of 20,000 rows of Japanese text
/// holds a few megabytes; a filled check sheet, tens of kilobytes.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 16 * 1024 * 1024;
/// Most shared strings (distinct texts) a workbook may hold: no more than the cells read.
pub const MAX_SHARED_STRINGS: u64 = MAX_CELLS as u64;
/// Most bytes the styles may inflate to; Excel's own are tens of kilobytes.
pub const MAX_STYLES_BYTES: u64 = 8 * 1024 * 1024;
/// Most cells read from a sheet, empty ones (formatted, without a value) included.
pub const MAX_CELLS: usize = 400_000;

/// What calamine keeps whole in memory, told by the part's name as calamine finds it (case
/// and separators aside).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kept {
    SharedStrings,
    Styles,
}

impl Kept {
    fn of(part: &str) -> Option<Kept> {
        let name = part.replace('\\', "/").to_ascii_lowercase();
        if name.ends_with("sharedstrings.xml") {
            Some(Kept::SharedStrings)
        } else if name.ends_with("styles.xml") {
            Some(Kept::Styles)
        } else {
            None
        }
    }

    fn limit(self) -> u64 {
        match self {
            Kept::SharedStrings => MAX_SHARED_STRINGS_BYTES,
            Kept::Styles => MAX_STYLES_BYTES,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Kept::SharedStrings => "セルの文字列",
            Kept::Styles => "書式の定義",
        }
    }
}

/// What the check saw that the readers need to know.
#[derive(Clone, Copy, Debug, Default)]
pub struct Checked {
    /// The workbook has links to other workbooks (`xl/externalLinks/…`): the readers refuse
    /// the cells whose formulas use them, or the whole file when no cell read does.
    pub external_links: bool,
}

/// Refuses a file that is not a plain workbook of a sane size; the name is the file's, for
/// messages.
pub fn check(name: &str, bytes: &[u8]) -> Result<Checked, SheetError> {
    let refuse = |message: String| Err(SheetError::one(SheetProblem::file(message)));
    if bytes.len() > MAX_FILE_BYTES {
        return refuse(format!(
            "{name} は大きすぎます（{} バイト。上限は {MAX_FILE_BYTES} バイトです）",
            bytes.len()
        ));
    }
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(archive) => archive,
        Err(e) => {
            return refuse(format!(
                "{name} は Excel ブック（.xlsx）として読めません。壊れているか、途中で切れています（{e}）"
            ));
        }
    };
    if archive.len() > MAX_ENTRIES {
        return refuse(format!(
            "{name} は中の部品が多すぎます（{} 個。上限は {MAX_ENTRIES} 個です）",
            archive.len()
        ));
    }
    let mut total: u64 = 0;
    let mut checked = Checked::default();
    for index in 0..archive.len() {
        let entry = match archive.by_index_raw(index) {
            Ok(entry) => entry,
            Err(e) => return refuse(format!("{name} の中の部品を読めません（{e}）")),
        };
        let part = match entry.name() {
            Ok(part) => part.into_owned(),
            Err(e) => return refuse(format!("{name} の中の部品の名前を読めません（{e}）")),
        };
        let lower = part.to_ascii_lowercase();
        checked.external_links |= lower.contains("externallink");
        if lower.contains("vbaproject") || lower.contains("activex") {
            return refuse(format!(
                "{name} にはマクロが含まれています。マクロを含むファイルは受け付けません（.xlsx で保存し直してください）"
            ));
        }
        let size = entry.size();
        let compressed = entry.compressed_size().max(1);
        total = total.saturating_add(size);
        if let Some(kept) = Kept::of(&part)
            && size > kept.limit()
        {
            return refuse(format!(
                "{name} は{}が大きすぎます（{size} バイト。上限は {} バイトです）",
                kept.what(),
                kept.limit()
            ));
        }
        if size > RATIO_FLOOR && size / compressed > MAX_RATIO {
            return refuse(format!(
                "{name} の部品 {} は圧縮率が異常です（{} 倍）。安全のため読み込みません",
                part,
                size / compressed
            ));
        }
    }
    if total > MAX_TOTAL_UNCOMPRESSED {
        return refuse(format!(
            "{name} は展開すると大きすぎます（{total} バイト。上限は {MAX_TOTAL_UNCOMPRESSED} バイトです）"
        ));
    }
    for index in 0..archive.len() {
        let mut entry = match archive.by_index(index) {
            Ok(entry) => entry,
            Err(e) => return refuse(format!("{name} の中の部品を読めません（{e}）")),
        };
        let declared = entry.size();
        let shared_strings = entry
            .name()
            .is_ok_and(|part| Kept::of(&part) == Some(Kept::SharedStrings));
        let mut bounded = (&mut entry).take(declared.saturating_add(1));
        if shared_strings {
            count_shared_strings(name, &mut bounded)?;
        }
        // Whatever the counting read, the rest is read here; a part that inflates beyond
        // what it declared leaves nothing of the one byte allowed beyond.
        match std::io::copy(&mut bounded, &mut std::io::sink()) {
            Ok(_) if bounded.limit() >= 1 => {}
            Ok(_) => {
                return refuse(format!(
                    "{name} の部品の大きさが申告と違います。壊れているか、細工されたファイルです"
                ));
            }
            Err(e) => {
                return refuse(format!(
                    "{name} の中身を展開できません。壊れているか、途中で切れています（{e}）"
                ));
            }
        }
    }
    Ok(checked)
}

/// Counts the shared strings as calamine will read them (the same parser with the same
/// settings), refusing more than [`MAX_SHARED_STRINGS`], or a count declared above it: calamine
/// reserves room for the declared `uniqueCount` before reading a single string, and a huge
/// one would exhaust memory at once. A part that is not well-formed is left for calamine to
/// report.
fn count_shared_strings(name: &str, part: &mut impl Read) -> Result<(), SheetError> {
    use quick_xml::events::Event;
    let too_many = |count: u64| {
        Err(SheetError::one(SheetProblem::file(format!(
            "{name} はセルの文字列の種類が多すぎます（{count} 個。上限は {MAX_SHARED_STRINGS} 個です）"
        ))))
    };
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(part));
    let config = xml.config_mut();
    config.check_end_names = false;
    config.check_comments = false;
    config.expand_empty_elements = true;
    config.trim_text(false);
    let mut buf = Vec::new();
    let mut count: u64 = 0;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(element)) => match element.local_name().as_ref() {
                "sst" => {
                    let declared = element
                        .attributes()
                        .with_checks(false)
                        .flatten()
                        .find(|a| a.key.as_ref() == "uniqueCount")
                        .map_or(0, |a| leading_number(a.value.as_bytes()));
                    if declared > MAX_SHARED_STRINGS {
                        return too_many(declared);
                    }
                }
                "si" => {
                    count += 1;
                    if count > MAX_SHARED_STRINGS {
                        return too_many(count);
                    }
                }
                _ => {}
            },
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

/// The number its leading digits make (saturating), as a lenient reader would take it; 0
/// when it begins with no digit.
fn leading_number(text: &[u8]) -> u64 {
    text.iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .fold(0u64, |n, d| {
            n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
        })
}

/// The cells a reader has gone through, empty ones included, against [`MAX_CELLS`]: the
/// readers stream cells one at a time, and this bounds how long they stream.
#[derive(Debug, Default)]
pub(crate) struct CellBudget {
    read: usize,
}

impl CellBudget {
    /// Counts one more cell; `Err` with a message naming the file and the limit when it is one
    /// too many.
    pub(crate) fn take(&mut self, name: &str) -> Result<(), String> {
        self.read += 1;
        if self.read > MAX_CELLS {
            return Err(format!(
                "{name} はセルが多すぎます（空のセルを含めて {MAX_CELLS} 個まで読み込めます）"
            ));
        }
        Ok(())
    }
}
