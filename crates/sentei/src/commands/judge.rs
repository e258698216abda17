//! Judging and profiles: commands that need no database.

use std::io::IsTerminal;
use std::path::Path;

use sentei_core::judge;

use crate::cli::Format;
use crate::failure::Failure;
use crate::files::{catalog, display, read_profile, read_text};
use crate::render;

pub fn assess(dir: Option<&Path>, file: &Path, format: Option<Format>) -> Result<String, Failure> {
    let catalog = catalog(dir)?;
    let text = read_text(file)?;
    let assessment = catalog
        .parse_assessment(&text)
        .map_err(|e| Failure::input(&display(file), &e))?;
    let Some(profile) = catalog.get(&assessment.profile_id) else {
        // parse_assessment only succeeds for a profile in the catalog.
        return Err(Failure::file(
            &display(file),
            "プロファイルが見つかりません",
        ));
    };
    let judgement = judge(profile, &assessment);
    let format = format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    });
    Ok(match format {
        Format::Json => judgement.to_json() + "\n",
        Format::Table => render::judgement::table(profile, &assessment, &judgement),
    })
}

pub fn profiles(dir: Option<&Path>) -> Result<String, Failure> {
    Ok(render::profile::list(&catalog(dir)?))
}

pub fn show(dir: Option<&Path>, id: &str) -> Result<String, Failure> {
    let catalog = catalog(dir)?;
    match catalog.get(id) {
        Some(profile) => Ok(render::profile::show(profile)),
        None => {
            let known: Vec<_> = catalog.profiles().iter().map(|p| p.id.as_str()).collect();
            Err(Failure::file(
                id,
                format!(
                    "このプロファイルはありません（使えるもの: {}）",
                    known.join(", ")
                ),
            ))
        }
    }
}

pub fn check(file: &Path) -> Result<String, Failure> {
    let profile = read_profile(file)?;
    Ok(format!(
        "{}: 問題はありません（{} 版 {}、項目 {} 件、規則 {} 件）\n",
        display(file),
        profile.id,
        profile.version,
        profile.items.len(),
        profile.rules.len()
    ))
}
