//! The profiles: each one's levels, rules and items with their conditions in words.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, State};
use sentei_core::profile::{Meaning, PreConsultation, RuleKind, describe_items};

use crate::auth::Signed;
use crate::error::{AppError, PageError};
use crate::layout::Layout;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "profiles.html")]
pub struct ListPage {
    layout: Layout,
    rows: Vec<(String, String, String, usize)>,
}

pub async fn list(State(state): State<AppState>, Extension(signed): Extension<Signed>) -> ListPage {
    ListPage {
        layout: Layout::new("基準", Some(&signed), "/profiles"),
        rows: state
            .catalog
            .profiles()
            .iter()
            .map(|p| {
                (
                    p.id.clone(),
                    p.title.clone(),
                    p.version.clone(),
                    p.items.len(),
                )
            })
            .collect(),
    }
}

struct ItemRow {
    id: String,
    level: String,
    meaning: &'static str,
    category: String,
    text: String,
    condition: String,
    citation: String,
    note: Option<String>,
    /// The shared controls the item asks about, by name; empty when none are written.
    controls: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "profile.html")]
pub struct ProfilePage {
    layout: Layout,
    source: String,
    version: String,
    description: String,
    /// Whether applications need a 協議済 pre-consultation, in one sentence.
    consultation: String,
    levels: Vec<(String, String)>,
    rules: Vec<(&'static str, String, String, String)>,
    items: Vec<ItemRow>,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Result<ProfilePage, PageError> {
    let profile = state
        .catalog
        .get(&id)
        .ok_or_else(|| AppError::NotFound(format!("基準 {id} は見つかりません")))?;
    let name = |i| profile.item_id(i);
    Ok(ProfilePage {
        layout: Layout::new(profile.title.clone(), Some(&signed), "/profiles"),
        source: profile.source.document.clone(),
        version: profile.version.clone(),
        description: profile.description.clone(),
        consultation: match (profile.pre_consultation, &profile.pre_consultation_citation) {
            (PreConsultation::Required, Some(citation)) => format!(
                "利用申請の前に、許可権限者との事前協議で「協議済」の回答が必要です（{citation}）。"
            ),
            (PreConsultation::Required, None) => {
                "利用申請の前に、許可権限者との事前協議で「協議済」の回答が必要です。".to_owned()
            }
            (PreConsultation::Optional, _) => {
                "事前協議は任意です（協議してから申請しても、直接申請してもかまいません）。"
                    .to_owned()
            }
        },
        levels: profile
            .levels
            .iter()
            .map(|l| (l.name.clone(), l.description.clone()))
            .collect(),
        rules: profile
            .rules
            .iter()
            .map(|r| {
                let kind = match r.kind {
                    RuleKind::Prohibit => "利用禁止",
                    RuleKind::Skip => "適用しない",
                    RuleKind::Level => "水準の変更",
                };
                let targets = if r.targets.len() == profile.items.len() {
                    "すべての項目".to_owned()
                } else {
                    describe_items(&r.targets, name)
                };
                (kind, r.why.clone(), r.when.describe(&name), targets)
            })
            .collect(),
        items: profile
            .items
            .iter()
            .map(|item| {
                let level = profile.level(item.level);
                ItemRow {
                    id: item.id.clone(),
                    level: level.map_or(String::new(), |l| l.name.clone()),
                    meaning: match level.map(|l| l.meaning) {
                        Some(Meaning::Must) => "must",
                        _ => "other",
                    },
                    category: item.category.join(" / "),
                    text: item.text.clone(),
                    condition: match (&item.applies_when, &item.because) {
                        (None, _) => "常に適用（規則による例外を除く）".to_owned(),
                        (Some(c), Some(because)) => format!("{}（{because}）", c.describe(&name)),
                        (Some(c), None) => c.describe(&name),
                    },
                    citation: item.citation.clone(),
                    note: item.note.clone(),
                    controls: sentei_core::controls::describe(&item.controls),
                }
            })
            .collect(),
    })
}
