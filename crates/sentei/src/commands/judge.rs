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
    let mut out = format!(
        "{}: 問題はありません（{} 版 {}、項目 {} 件、規則 {} 件）\n",
        display(file),
        profile.id,
        profile.version,
        profile.items.len(),
        profile.rules.len()
    );
    // Not an error: a municipality's own profile judges without them. But without them the
    // answers kept per shared control cannot fill its items, so say what is left to decide.
    let unmapped: Vec<&str> = profile
        .items
        .iter()
        .filter(|item| item.controls.is_empty())
        .map(|item| item.id.as_str())
        .collect();
    if !unmapped.is_empty() {
        out.push_str(&format!(
            "共有の管理策 (controls) が書かれていない項目が {} 件あります: {}\n\
             書くと、サービスごとに管理策へ回答した内容をこの基準の項目にも使えます（sentei profile controls で一覧）。\n",
            unmapped.len(),
            first_of(&unmapped)
        ));
    }
    Ok(out)
}

/// The shared controls with the items of each profile that ask about them.
pub fn controls(dir: Option<&Path>) -> Result<String, Failure> {
    Ok(render::profile::controls(&catalog(dir)?))
}

/// The first ids of a list, then how many more: a profile of 2,000 unmapped items stays readable.
fn first_of(ids: &[&str]) -> String {
    const SHOWN: usize = 20;
    let mut text = ids
        .iter()
        .take(SHOWN)
        .copied()
        .collect::<Vec<_>>()
        .join("、");
    if ids.len() > SHOWN {
        text.push_str(&format!(" ほか {} 件", ids.len() - SHOWN));
    }
    text
}
