//! What both directions agree on: sheet names, the hidden sheet's keys and its checksum.
//! Changing any of these changes the format: bump [`FORMAT`]. The columns, their headings and
//! the answers' words are the profile's (`Profile::sheet`); the import finds the columns by
//! heading, so a layout can change without a new format.

use sha2::{Digest, Sha256};

/// The format written into every sheet; an import refuses any other.
pub const FORMAT: &str = "sentei-check-sheet/1";
/// The sheet people fill in.
pub const ITEMS_SHEET: &str = "チェックシート";
/// The hidden sheet with what the import needs.
pub const META_SHEET: &str = "sentei";

/// What the answer cell of an item decided by the facts says; not an answer.
pub const FROM_FACTS: &str = "（事実から判定）";

/// Keys of the hidden sheet, one per row in column A with the value in column B.
pub const KEY_FORMAT: &str = "format";
pub const KEY_PROFILE: &str = "profile";
pub const KEY_VERSION: &str = "profile_version";
pub const KEY_BASE: &str = "assessment";
/// The ids of the items whose answers the sheet carries, one per line.
pub const KEY_ITEMS: &str = "answered_here";
pub const KEY_CHECKSUM: &str = "checksum";

/// Text as typed by people and spreadsheets, made comparable: full-width ASCII letters,
/// digits and signs to half width, every kind of space removed. (Ids hold no spaces.)
pub fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match u32::from(c) {
            0xFF01..=0xFF5E => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// The checksum over what the hidden sheet says, so an edited or mixed-up sheet is refused.
pub fn checksum(profile: &str, version: &str, base: &str, items: &str) -> String {
    let mut hash = Sha256::new();
    for part in [FORMAT, profile, version, base, items] {
        hash.update(part.len().to_le_bytes());
        hash.update(part.as_bytes());
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A cell's name as Excel shows it: (0, 0) is A1.
pub fn cell_name(row: u32, col: u16) -> String {
    let mut letters = Vec::new();
    let mut n = u32::from(col) + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(u64::from(row) + 1).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_named_as_excel_names_them() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(11, 6), "G12");
        assert_eq!(cell_name(0, 25), "Z1");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
    }

    #[test]
    fn ids_lose_full_width_and_spaces_but_keep_their_own_characters() {
        assert_eq!(normalize("　１．１２ "), "1.12");
        assert_eq!(normalize("3.1(2)(ア)①"), "3.1(2)(ア)①");
        assert_eq!(normalize("３．１（２）（ア）①"), "3.1(2)(ア)①");
    }

    #[test]
    fn the_checksum_covers_every_part() {
        let base = checksum("sakai", "1", "{}", "a");
        assert_ne!(base, checksum("sakai", "2", "{}", "a"));
        assert_ne!(base, checksum("sakaI", "1", "{}", "a"));
        assert_ne!(base, checksum("sakai", "1", "{ }", "a"));
        assert_ne!(base, checksum("sakai", "1", "{}", "b"));
        assert_ne!(checksum("ab", "c", "", ""), checksum("a", "bc", "", ""));
    }
}
