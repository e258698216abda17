//! Checks on an uploaded workbook before any of it is decompressed or parsed.
//!
//! calamine inflates whole parts (the shared strings, each sheet's XML as it streams) with no
//! limit of its own, so a few kilobytes can claim gigabytes (a zip bomb). Here the archive's
//! central directory is read first and the file is refused when it is too large, has too many
//! parts, declares too much uncompressed data in all, compresses a part suspiciously well, or
//! carries macros. Then every part is inflated once, reading at most one byte more than it
//! declares, so a part that lies about its size is refused too: what calamine reads afterwards
//! is bounded by the declared total.

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

/// Refuses a file that is not a plain workbook of a sane size; the name is the file's, for
/// messages.
pub fn check(name: &str, bytes: &[u8]) -> Result<(), SheetError> {
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
        if lower.contains("vbaproject") || lower.contains("activex") {
            return refuse(format!(
                "{name} にはマクロが含まれています。マクロを含むファイルは受け付けません（.xlsx で保存し直してください）"
            ));
        }
        let size = entry.size();
        let compressed = entry.compressed_size().max(1);
        total = total.saturating_add(size);
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
        let mut bounded = (&mut entry).take(declared.saturating_add(1));
        match std::io::copy(&mut bounded, &mut std::io::sink()) {
            Ok(inflated) if inflated <= declared => {}
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
    Ok(())
}
