//! Reading input files and profile folders, bounded in size; writing standard output.

use std::io::{self, Read, Write};
use std::path::Path;

use sentei_core::assessment::Catalog;
use sentei_core::{Profile, builtin_profiles};

use crate::failure::Failure;

/// Largest file read from outside; the parsers have tighter limits of their own.
const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// Most profile files read from one folder.
const MAX_PROFILE_FILES: usize = 200;

/// Reads a UTF-8 text file, or standard input for `-`, refusing oversized input.
pub fn read_text(path: &Path) -> Result<String, Failure> {
    let name = display(path);
    let mut bytes = Vec::new();
    let result = if path == Path::new("-") {
        io::stdin().take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
    };
    if let Err(e) = result {
        let message = match e.kind() {
            io::ErrorKind::NotFound => "ファイルが見つかりません".to_owned(),
            io::ErrorKind::PermissionDenied => "ファイルを読む権限がありません".to_owned(),
            _ => format!("ファイルを読めません（{e}）"),
        };
        return Err(Failure::file(&name, message));
    }
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Failure::file(
            &name,
            format!("ファイルが大きすぎます（上限は {MAX_FILE_BYTES} バイトです）"),
        ));
    }
    let bytes = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&bytes)
        .to_vec();
    String::from_utf8(bytes).map_err(|_| {
        Failure::file(
            &name,
            "文字コードが UTF-8 ではありません（Shift_JIS などで保存されている場合は UTF-8 で保存し直してください）",
        )
    })
}

/// Reads a binary file of at most `max` bytes, refusing a larger one without reading it all.
pub fn read_bytes(path: &Path, max: usize) -> Result<Vec<u8>, Failure> {
    let name = display(path);
    let mut bytes = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    std::fs::File::open(path)
        .and_then(|f| f.take(limit).read_to_end(&mut bytes))
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => Failure::file(&name, "ファイルが見つかりません"),
            _ => Failure::file(&name, format!("ファイルを読めません（{e}）")),
        })?;
    if bytes.len() > max {
        return Err(Failure::file(
            &name,
            format!("ファイルが大きすぎます（上限は {max} バイトです）"),
        ));
    }
    Ok(bytes)
}

/// Writes a file whole or not at all: to a temporary file beside it, then renamed over it.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let name = display(path);
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".sentei-tmp");
    let temporary = std::path::PathBuf::from(temporary);
    std::fs::write(&temporary, bytes)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            Failure::file(&name, format!("書き込めません（{e}）"))
        })
}

pub fn display(path: &Path) -> String {
    if path == Path::new("-") {
        "(標準入力)".to_owned()
    } else {
        path.display().to_string()
    }
}

/// Reads and checks one profile file.
pub fn read_profile(path: &Path) -> Result<Profile, Failure> {
    let text = read_text(path)?;
    Profile::from_yaml(&text).map_err(|e| Failure::input(&display(path), &e))
}

/// The built-in profiles, with those of `dir` added or replacing them.
/// The vocabulary's file name in `profiles/`.
const CONTROLS_FILE: &str = "controls.yaml";

pub fn catalog(dir: Option<&Path>) -> Result<Catalog, Failure> {
    let builtin = builtin_profiles().map_err(|(file, e)| Failure {
        code: 1,
        message: format!(
            "組み込みのプロファイル {file} が壊れています（開発者に連絡してください）:\n{e}"
        ),
    })?;
    let mut catalog = Catalog::new(builtin);
    let Some(dir) = dir else { return Ok(catalog) };
    let name = display(dir);
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Failure::file(&name, format!("フォルダを読めません（{e}）")))?;
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml")))
        // The shared controls' vocabulary sits beside the profiles in the repository, and a
        // copy of that folder brings it along; it is built in and not a profile.
        .filter(|p| p.file_name().and_then(|n| n.to_str()) != Some(CONTROLS_FILE))
        .collect();
    if paths.len() > MAX_PROFILE_FILES {
        return Err(Failure::file(
            &name,
            format!("プロファイルが多すぎます（上限は {MAX_PROFILE_FILES} 件です）"),
        ));
    }
    paths.sort();
    let mut seen: Vec<(String, String)> = Vec::new();
    for path in paths {
        let profile = read_profile(&path)?;
        if let Some((_, first)) = seen.iter().find(|(id, _)| *id == profile.id) {
            return Err(Failure::file(
                &display(&path),
                format!(
                    "プロファイル id `{}` は {first} でも使われています",
                    profile.id
                ),
            ));
        }
        seen.push((profile.id.clone(), display(&path)));
        catalog.insert(profile);
    }
    Ok(catalog)
}

pub fn write_stdout(text: &str) -> io::Result<()> {
    write_stdout_bytes(text.as_bytes())
}

/// Writes bytes that are not UTF-8 text (a CP932 CSV) to standard output.
pub fn write_stdout_bytes(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}
