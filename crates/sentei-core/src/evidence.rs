//! Evidence files (証跡): an SLA, a screenshot of the ISMAP registration, an audit report.
//!
//! Which kinds of file are accepted, told from the content alone: never from the file's name or
//! the type the sender claims, both of which anyone can make up. An Office file is a zip
//! archive whose part names say what it is and whether it carries macros; the store reads those
//! names (with the zip reader the sheet import uses) and asks [`office_kind`]. Everything else
//! is known by its first bytes ([`sniff`]). What is not one of the kinds here is refused.

use std::fmt;

/// Largest evidence file accepted, in bytes (an audit report in PDF is a few megabytes).
pub const MAX_EVIDENCE_BYTES: usize = 10 * 1024 * 1024;

/// Most parts an Office file may have; real ones have tens.
pub const MAX_OFFICE_PARTS: usize = 10_000;

/// A kind of evidence file accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EvidenceKind {
    Pdf,
    Png,
    Jpeg,
    Gif,
    Webp,
    /// An Excel workbook without macros.
    Xlsx,
    /// A Word document without macros.
    Docx,
}

impl EvidenceKind {
    pub const ALL: [EvidenceKind; 7] = [
        EvidenceKind::Pdf,
        EvidenceKind::Png,
        EvidenceKind::Jpeg,
        EvidenceKind::Gif,
        EvidenceKind::Webp,
        EvidenceKind::Xlsx,
        EvidenceKind::Docx,
    ];

    /// The media type the file is stored and served with.
    pub fn media_type(self) -> &'static str {
        match self {
            EvidenceKind::Pdf => "application/pdf",
            EvidenceKind::Png => "image/png",
            EvidenceKind::Jpeg => "image/jpeg",
            EvidenceKind::Gif => "image/gif",
            EvidenceKind::Webp => "image/webp",
            EvidenceKind::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            EvidenceKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }

    /// The kind stored with `media_type`, if it is one of ours.
    pub fn of_media_type(media_type: &str) -> Option<EvidenceKind> {
        EvidenceKind::ALL
            .into_iter()
            .find(|k| k.media_type() == media_type)
    }

    /// How people call it.
    pub fn label(self) -> &'static str {
        match self {
            EvidenceKind::Pdf => "PDF",
            EvidenceKind::Png => "画像（PNG）",
            EvidenceKind::Jpeg => "画像（JPEG）",
            EvidenceKind::Gif => "画像（GIF）",
            EvidenceKind::Webp => "画像（WebP）",
            EvidenceKind::Xlsx => "Excel ブック（.xlsx）",
            EvidenceKind::Docx => "Word 文書（.docx）",
        }
    }

    /// The usual extension, for a file name that has none.
    pub fn extension(self) -> &'static str {
        match self {
            EvidenceKind::Pdf => "pdf",
            EvidenceKind::Png => "png",
            EvidenceKind::Jpeg => "jpg",
            EvidenceKind::Gif => "gif",
            EvidenceKind::Webp => "webp",
            EvidenceKind::Xlsx => "xlsx",
            EvidenceKind::Docx => "docx",
        }
    }
}

/// What the first bytes of a file say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniffed {
    Kind(EvidenceKind),
    /// A zip archive: an Office file is one; its part names decide ([`office_kind`]).
    Zip,
}

/// Why a file is not accepted as evidence; shown to the person who sent it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceRefusal {
    #[error("空のファイルは添付できません")]
    Empty,
    #[error(
        "ファイルが大きすぎます（{size} バイト。上限は {MAX_EVIDENCE_BYTES} バイト（10 MB）です）"
    )]
    TooLarge { size: usize },
    #[error("{}", accepted_message("このファイルの種類は添付できません"))]
    NotAccepted,
    #[error(
        "古い形式の Office ファイル（.doc・.xls）か、パスワードで保護されたファイルは中身を確かめられないため添付できません。.docx・.xlsx・PDF で保存し直してください"
    )]
    LegacyOffice,
    #[error(
        "マクロやプログラムを含む Office ファイルは添付できません。マクロを含まない形式（.xlsx・.docx）か PDF で保存し直してください"
    )]
    Macros,
    #[error(
        "{}",
        accepted_message(
            "Office ファイルとして読めません。壊れているか、Excel・Word 以外の zip ファイルです"
        )
    )]
    NotOffice,
}

fn accepted_message(lead: &str) -> String {
    let kinds: Vec<&str> = EvidenceKind::ALL.iter().map(|k| k.label()).collect();
    format!("{lead}。添付できるのは {} です", kinds.join("・"))
}

/// Checks the size, then tells the kind from the first bytes. A zip archive still needs its
/// part names checked by [`office_kind`].
pub fn sniff(content: &[u8]) -> Result<Sniffed, EvidenceRefusal> {
    if content.is_empty() {
        return Err(EvidenceRefusal::Empty);
    }
    if content.len() > MAX_EVIDENCE_BYTES {
        return Err(EvidenceRefusal::TooLarge {
            size: content.len(),
        });
    }
    let starts = |magic: &[u8]| content.starts_with(magic);
    let kind = if starts(b"%PDF-") {
        EvidenceKind::Pdf
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        EvidenceKind::Png
    } else if starts(b"\xFF\xD8\xFF") {
        EvidenceKind::Jpeg
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        EvidenceKind::Gif
    } else if starts(b"RIFF") && content.get(8..12) == Some(b"WEBP".as_slice()) {
        EvidenceKind::Webp
    } else if starts(b"PK\x03\x04") {
        return Ok(Sniffed::Zip);
    } else if starts(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        // The compound file of .doc/.xls, and of any Office file saved with a password.
        return Err(EvidenceRefusal::LegacyOffice);
    } else {
        return Err(EvidenceRefusal::NotAccepted);
    };
    Ok(Sniffed::Kind(kind))
}

/// Decides an Office file from the names of its parts: a workbook or a document, and never
/// one with macros (VBA projects, Excel 4.0 macro sheets, ActiveX controls), whatever its name
/// or declared type says. Part names are compared without regard to case, as Office does.
pub fn office_kind<S: AsRef<str>>(parts: &[S]) -> Result<EvidenceKind, EvidenceRefusal> {
    if parts.len() > MAX_OFFICE_PARTS {
        return Err(EvidenceRefusal::NotOffice);
    }
    let names: Vec<String> = parts
        .iter()
        .map(|p| p.as_ref().trim_start_matches('/').to_ascii_lowercase())
        .collect();
    let macros = names.iter().any(|n| {
        n.contains("vbaproject")
            || n.contains("vbadata")
            || n.contains("activex")
            || n.starts_with("xl/macrosheets/")
    });
    if macros {
        return Err(EvidenceRefusal::Macros);
    }
    let has = |name: &str| names.iter().any(|n| n == name);
    if !has("[content_types].xml") {
        return Err(EvidenceRefusal::NotOffice);
    }
    match (has("xl/workbook.xml"), has("word/document.xml")) {
        (true, false) => Ok(EvidenceKind::Xlsx),
        (false, true) => Ok(EvidenceKind::Docx),
        _ => Err(EvidenceRefusal::NotOffice),
    }
}

impl fmt::Display for EvidenceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A size for people: `812 バイト`, `34.5 KB`, `2.1 MB`.
pub fn size_label(bytes: i64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KB {
        format!("{bytes} バイト")
    } else if b < KB * KB {
        format!("{:.1} KB", b / KB)
    } else {
        format!("{:.1} MB", b / KB / KB)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_told_from_the_first_bytes() {
        assert_eq!(
            sniff(b"%PDF-1.7\n..."),
            Ok(Sniffed::Kind(EvidenceKind::Pdf))
        );
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0"),
            Ok(Sniffed::Kind(EvidenceKind::Png))
        );
        assert_eq!(
            sniff(b"\xFF\xD8\xFF\xE0JFIF"),
            Ok(Sniffed::Kind(EvidenceKind::Jpeg))
        );
        assert_eq!(sniff(b"GIF89a.."), Ok(Sniffed::Kind(EvidenceKind::Gif)));
        assert_eq!(
            sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Ok(Sniffed::Kind(EvidenceKind::Webp))
        );
        assert_eq!(sniff(b"PK\x03\x04rest"), Ok(Sniffed::Zip));
        assert_eq!(
            sniff(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"),
            Err(EvidenceRefusal::LegacyOffice)
        );
        for refused in [
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".as_slice(),
            b"<html><script>alert(1)</script>",
            b"MZ\x90\0",
            b"RIFF\0\0\0\0WAVEfmt ",
            b" %PDF-1.7",
        ] {
            assert_eq!(sniff(refused), Err(EvidenceRefusal::NotAccepted));
        }
        assert_eq!(sniff(b""), Err(EvidenceRefusal::Empty));
        let big = vec![b'%'; MAX_EVIDENCE_BYTES + 1];
        assert!(matches!(sniff(&big), Err(EvidenceRefusal::TooLarge { .. })));
    }

    #[test]
    fn office_files_are_told_by_their_parts_and_refused_with_macros() {
        let workbook = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"];
        assert_eq!(office_kind(&workbook), Ok(EvidenceKind::Xlsx));
        let document = ["[Content_Types].xml", "word/document.xml"];
        assert_eq!(office_kind(&document), Ok(EvidenceKind::Docx));
        for macros in [
            "xl/vbaProject.bin",
            "word/vbaProject.bin",
            "word/vbaData.xml",
            "xl/activeX/activeX1.xml",
            "xl/macrosheets/sheet1.xml",
            "XL/VBAPROJECT.BIN",
        ] {
            let mut parts = workbook.to_vec();
            parts.push(macros);
            assert_eq!(
                office_kind(&parts),
                Err(EvidenceRefusal::Macros),
                "{macros}"
            );
        }
        assert_eq!(
            office_kind(&["a.txt", "b.exe"]),
            Err(EvidenceRefusal::NotOffice)
        );
        assert_eq!(
            office_kind(&["xl/workbook.xml"]),
            Err(EvidenceRefusal::NotOffice)
        );
        assert_eq!(
            office_kind(&[
                "[Content_Types].xml",
                "xl/workbook.xml",
                "word/document.xml"
            ]),
            Err(EvidenceRefusal::NotOffice)
        );
    }

    #[test]
    fn refusals_say_what_is_accepted_in_japanese() {
        let message = EvidenceRefusal::NotAccepted.to_string();
        assert!(message.contains("PDF") && message.contains("Word 文書（.docx）"));
        assert!(!message.is_ascii());
        assert_eq!(size_label(812), "812 バイト");
        assert_eq!(size_label(35_328), "34.5 KB");
        assert_eq!(size_label(2_202_009), "2.1 MB");
    }
}
