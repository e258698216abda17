//! People over time from the command line: `sentei user deactivate|activate|edit|import` and
//! `sentei org rename`. Each asks the store, which asks the rules in `sentei_core::people`;
//! the operator acts for the organization, and what is done is audited as `system`.

use std::path::Path;

use sentei_exchange::users_file;
use sentei_store::{Actor, Store, UserEdit, UserImportPlan};

use super::{open, operator, store_failure};
use crate::cli::UserCommand;
use crate::config::Config;
use crate::failure::Failure;
use crate::files::{display, read_bytes};
use crate::render::columns;

pub async fn org_rename(config: &Config, org: Option<&str>, name: &str) -> Result<String, Failure> {
    let store = open(config).await?;
    let operator = operator(&store, org).await?;
    let before = store
        .own_organization(&operator)
        .await
        .map_err(|e| store_failure(&e))?;
    let after = store
        .rename_organization(&operator, name)
        .await
        .map_err(|e| store_failure(&e))?;
    Ok(format!(
        "組織 {} の名称を「{}」から「{}」に変えました\n",
        after.code, before.name, after.name
    ))
}

/// The user commands of this module (the others are in `admin.rs`).
pub async fn user(
    store: &Store,
    operator: &Actor,
    command: UserCommand,
) -> Result<String, Failure> {
    match command {
        UserCommand::Deactivate { login } => {
            let (user, ended) = store
                .deactivate_user(operator, &login)
                .await
                .map_err(|e| store_failure(&e))?;
            Ok(format!(
                "{}（{}）を無効にしました。終了したセッション {} 件、無効にした API トークン {} 件\n",
                user.login, user.display_name, ended.sessions, ended.tokens
            ))
        }
        UserCommand::Activate { login } => {
            let user = store
                .activate_user(operator, &login)
                .await
                .map_err(|e| store_failure(&e))?;
            Ok(format!(
                "{}（{}）を有効に戻しました。これまでのパスワードでログインできます\n",
                user.login, user.display_name
            ))
        }
        UserCommand::Edit {
            login,
            name,
            department,
            email,
        } => {
            if name.is_none() && department.is_none() && email.is_none() {
                return Err(Failure::usage(
                    "変える項目を --name、--department、--email で指定してください",
                ));
            }
            let current = store
                .user(operator, &login)
                .await
                .map_err(|e| store_failure(&e))?;
            let user = store
                .edit_user(
                    operator,
                    &login,
                    UserEdit {
                        display_name: name.unwrap_or(current.display_name),
                        department: department.unwrap_or(current.department),
                        email: email.unwrap_or(current.email),
                    },
                )
                .await
                .map_err(|e| store_failure(&e))?;
            let email = if user.email.is_empty() {
                "メールアドレスなし".to_owned()
            } else {
                user.email
            };
            Ok(format!(
                "{} を変更しました: {}（{}、{email}）\n",
                user.login, user.display_name, user.department
            ))
        }
        UserCommand::Import { file, dry_run } => import(store, operator, &file, dry_run).await,
        _ => Err(Failure::usage("このコマンドはここでは扱いません")),
    }
}

async fn import(
    store: &Store,
    operator: &Actor,
    file: &Path,
    dry_run: bool,
) -> Result<String, Failure> {
    let name = display(file);
    let bytes = read_bytes(file, users_file::MAX_FILE_BYTES)?;
    let read = users_file::read(&name, &bytes).map_err(|e| {
        Failure::problems(&name, e.problems.iter().map(ToString::to_string).collect())
    })?;
    let mut problems: Vec<String> = read.problems.iter().map(ToString::to_string).collect();
    let plan = store
        .import_users(operator, &name, &read.rows, dry_run || !problems.is_empty())
        .await
        .map_err(|e| store_failure(&e))?;
    problems.extend(
        plan.problems
            .iter()
            .map(|p| format!("{}: {}", p.place, p.message)),
    );
    if !problems.is_empty() {
        problems.push(
            "どの利用者も追加・変更していません。上の行を直してから、もう一度実行してください"
                .to_owned(),
        );
        return Err(Failure::problems(&name, problems));
    }
    Ok(report(&name, &plan))
}

/// What the import did (or would do), for people.
fn report(name: &str, plan: &UserImportPlan) -> String {
    let mut out = if plan.applied {
        format!(
            "{name} を取り込みました: 追加 {} 人、変更 {} 人、変更なし {} 人\n",
            plan.added.len(),
            plan.changed.len(),
            plan.unchanged
        )
    } else {
        format!(
            "{name} の確認のみです（何も変えていません）: 追加 {} 人、変更 {} 人、変更なし {} 人\n",
            plan.added.len(),
            plan.changed.len(),
            plan.unchanged
        )
    };
    if !plan.added.is_empty() {
        out.push_str(if plan.applied {
            "追加した利用者（初期パスワードはこの一度だけ表示します）:\n"
        } else {
            "追加する利用者:\n"
        });
        let mut rows = vec![vec![
            "行".to_owned(),
            "ログイン名".to_owned(),
            "氏名".to_owned(),
            "所属".to_owned(),
            "役割".to_owned(),
            "初期パスワード".to_owned(),
        ]];
        rows.extend(plan.added.iter().map(|a| {
            vec![
                a.place.clone(),
                a.login.clone(),
                a.display_name.clone(),
                a.department.clone(),
                a.role.label().to_owned(),
                a.password
                    .clone()
                    .unwrap_or_else(|| "（取り込むときに作ります）".to_owned()),
            ]
        }));
        out.push_str(&columns(&rows));
    }
    if !plan.changed.is_empty() {
        out.push_str(if plan.applied {
            "変更した利用者:\n"
        } else {
            "変更する利用者:\n"
        });
        for changed in &plan.changed {
            out.push_str(&format!(
                "  {} {}: {}\n",
                changed.place,
                changed.login,
                changed.changes.join("、")
            ));
        }
    }
    if plan.applied && (plan.ended.sessions > 0 || plan.ended.tokens > 0) {
        out.push_str(&format!(
            "無効にした利用者のセッション {} 件と API トークン {} 件を終了しました\n",
            plan.ended.sessions, plan.ended.tokens
        ));
    }
    out
}
