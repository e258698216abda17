//! `sentei sheet export|import`: check sheets as Excel workbooks, without any database.

use std::path::Path;

use sentei_exchange::sheet::{self, Scope, SheetError};

use crate::failure::Failure;
use crate::files::{catalog, display, read_bytes, read_text, write_whole};

pub fn export(
    dir: Option<&Path>,
    file: &Path,
    output: &Path,
    all: bool,
    force: bool,
) -> Result<String, Failure> {
    refuse_overwrite(output, force)?;
    let catalog = catalog(dir)?;
    let assessment = catalog
        .parse_assessment(&read_text(file)?)
        .map_err(|e| Failure::input(&display(file), &e))?;
    let Some(profile) = catalog.get(&assessment.profile_id) else {
        return Err(Failure::file(
            &display(file),
            "プロファイルが見つかりません",
        ));
    };
    let scope = if all { Scope::All } else { Scope::Applicable };
    let bytes = sheet::export(profile, &assessment, scope)
        .map_err(|e| sheet_failure(&display(file), &e))?;
    write_whole(output, &bytes)?;
    Ok(format!(
        "チェックシートを書き出しました: {}（基準 {} 版 {}）\n",
        display(output),
        profile.id,
        profile.version
    ))
}

pub fn import(
    dir: Option<&Path>,
    file: &Path,
    output: &Path,
    force: bool,
) -> Result<String, Failure> {
    refuse_overwrite(output, force)?;
    let catalog = catalog(dir)?;
    let name = display(file);
    let bytes = read_bytes(file, sheet::MAX_FILE_BYTES)?;
    let imported = sheet::import(&name, &bytes, &catalog).map_err(|e| sheet_failure(&name, &e))?;
    let yaml = serde_saphyr::to_string(&imported.document)
        .map_err(|e| Failure::internal(format!("評価ファイルを書けません（{e}）")))?;
    write_whole(output, yaml.as_bytes())?;
    Ok(format!(
        "評価ファイルを書き出しました: {}（回答 {} 項目）\n",
        display(output),
        imported.answered
    ))
}

/// A file already there is kept unless `--force` says otherwise (as `backup` keeps it).
fn refuse_overwrite(output: &Path, force: bool) -> Result<(), Failure> {
    if output.exists() && !force {
        return Err(Failure::usage(format!(
            "{} はすでにあります。上書きするときは --force を付けてください",
            display(output)
        )));
    }
    Ok(())
}

/// Every problem on its own line, named by file and cell.
fn sheet_failure(file: &str, error: &SheetError) -> Failure {
    let lines = error
        .problems
        .iter()
        .map(|p| format!("{file}: {p}"))
        .collect();
    Failure::problems(file, lines)
}
