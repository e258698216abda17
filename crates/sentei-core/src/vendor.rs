//! What a vendor answering through a link may see and change: the answers, reasons and
//! evidence of the items a person answers (those that apply, are not derived from other items
//! and are not met by a certification), and nothing else.
//!
//! The page shows these items and the store accepts changes to these only, both by this one
//! rule (issue 12, finding 14: a link could set `answers.default` and answer items it did not
//! show).

use crate::assessment::Assessment;
use crate::condition::ItemIdx;
use crate::judge::judge;
use crate::profile::Profile;

/// The items a vendor link shows, by index into the profile, in profile order.
pub fn shown_items(profile: &Profile, assessment: &Assessment) -> Vec<ItemIdx> {
    let judgement = judge(profile, assessment);
    profile
        .items
        .iter()
        .zip(&judgement.items)
        .enumerate()
        .filter(|(_, (item, judged))| judged.answered_by_people(item))
        .map(|(index, _)| index)
        .collect()
}

/// Why a vendor's save is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VendorRefusal {
    #[error(
        "回答リンクからは回答（回答・理由・根拠）だけを変更できます。サービスの事実や基準は担当者が変更します"
    )]
    NotAnAnswer,
    #[error("回答リンクからは、すべての項目の回答をまとめて決めることはできません")]
    Default,
    #[error(
        "回答リンクからは、ご依頼の項目だけに回答できます（{item}はご依頼の項目ではありません）"
    )]
    NotShown { item: String },
}

/// Whether `after` differs from `before` (the stored assessment) only in the answers of the
/// items the link shows.
pub fn may_save(
    profile: &Profile,
    before: &Assessment,
    after: &Assessment,
) -> Result<(), VendorRefusal> {
    if after.profile_id != before.profile_id
        || after.facts != before.facts
        || after.service != before.service
        || after.extra_items != before.extra_items
    {
        return Err(VendorRefusal::NotAnAnswer);
    }
    if after.default != before.default {
        return Err(VendorRefusal::Default);
    }
    let shown = shown_items(profile, before);
    for index in 0..profile.items.len() {
        if after.answer(index) != before.answer(index) && !shown.contains(&index) {
            let item = profile
                .items
                .get(index)
                .map_or_else(String::new, |i| format!("項目 {}", i.id));
            return Err(VendorRefusal::NotShown { item });
        }
    }
    Ok(())
}
