//! The commands: each turns its arguments into the text to print, or a [`Failure`].

use std::io::IsTerminal;

use sentei_core::judge;

use crate::cli::{Cli, Command, Format, ProfileCommand};
use crate::failure::Failure;
use crate::files::{catalog, display, read_profile, read_text};
use crate::render;

pub fn run(cli: Cli) -> Result<String, Failure> {
    let dir = cli.profiles_dir.as_deref();
    match cli.command {
        Command::Assess { file, format } => {
            let catalog = catalog(dir)?;
            let text = read_text(&file)?;
            let assessment = catalog
                .parse_assessment(&text)
                .map_err(|e| Failure::input(&display(&file), &e))?;
            let Some(profile) = catalog.get(&assessment.profile_id) else {
                // parse_assessment only succeeds for a profile in the catalog.
                return Err(Failure::file(
                    &display(&file),
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
        Command::Profiles => Ok(render::profile::list(&catalog(dir)?)),
        Command::Profile(ProfileCommand::Show { id }) => {
            let catalog = catalog(dir)?;
            match catalog.get(&id) {
                Some(profile) => Ok(render::profile::show(profile)),
                None => {
                    let known: Vec<_> = catalog.profiles().iter().map(|p| p.id.as_str()).collect();
                    Err(Failure::file(
                        &id,
                        format!(
                            "このプロファイルはありません（使えるもの: {}）",
                            known.join(", ")
                        ),
                    ))
                }
            }
        }
        Command::Profile(ProfileCommand::Check { file }) => {
            let profile = read_profile(&file)?;
            Ok(format!(
                "{}: 問題はありません（{} 版 {}、項目 {} 件、規則 {} 件）\n",
                display(&file),
                profile.id,
                profile.version,
                profile.items.len(),
                profile.rules.len()
            ))
        }
    }
}
