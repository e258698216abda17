//! The April transfers: users added, moved to another department, given another role,
//! deactivated or brought back, from a file (read by sentei-exchange), in one transaction.
//!
//! A dry run says what would happen, row by row, and names every row that cannot be taken with
//! its line and reason; applying does all of it or, when any row has a problem, nothing. Users
//! the file does not name are left as they are. The rule that an organization keeps an active
//! administrator (`sentei_core::people`) holds for the import as a whole. New users get a
//! generated password, shown once in the result.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sentei_core::access::Capability;
use sentei_core::audit::Summary;
use sentei_core::people::{ImportedUser, MAX_IMPORTED_USERS, keeps_an_administrator, parse_email};
use sentei_core::workflow::UserRole;
use serde_json::json;

use crate::entity::user;
use crate::people::{active_summary, end_sign_ins, role_label};
use crate::users::Ended;
use crate::users::{check_login, generate_password, hash_password};
use crate::{Actor, Store, StoreError, audit, text_field};

/// A user the import adds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddedUser {
    pub place: String,
    pub login: String,
    pub display_name: String,
    pub department: String,
    pub email: String,
    pub role: UserRole,
    pub active: bool,
    /// The initial password, once the import is applied (shown this once).
    pub password: Option<String>,
}

/// A user the import changes, with each change in words (「所属: 市民課 → 情報政策課」).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangedUser {
    pub place: String,
    pub login: String,
    pub changes: Vec<String>,
}

/// A row that keeps the import from being applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportProblem {
    pub place: String,
    pub message: String,
}

/// What an import does (or, for a dry run or with problems, would do).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserImportPlan {
    pub added: Vec<AddedUser>,
    pub changed: Vec<ChangedUser>,
    /// Rows naming users already as the file says.
    pub unchanged: usize,
    pub problems: Vec<ImportProblem>,
    /// Whether it was applied (never with problems, never on a dry run).
    pub applied: bool,
    /// Sessions and tokens ended for users the import deactivated.
    pub ended: Ended,
}

/// Longest file name kept in the trail.
const MAX_SOURCE_CHARS: usize = 200;

/// A row checked and compared with the user it names.
enum Planned {
    Add(AddedUser),
    Change {
        id: i64,
        place: String,
        after: user::Model,
        summary: Summary,
        deactivates: bool,
    },
    Same,
}

impl Store {
    /// Reads in the rows of a users file: with `dry_run`, or when any row has a problem, only
    /// says what would happen; otherwise adds and changes every user it names, all at once.
    /// `source` names the file, for the audit trail.
    pub async fn import_users(
        &self,
        actor: &Actor,
        source: &str,
        rows: &[ImportedUser],
        dry_run: bool,
    ) -> Result<UserImportPlan, StoreError> {
        actor.require(Capability::Administer)?;
        if rows.len() > MAX_IMPORTED_USERS {
            return Err(StoreError::Rejected(format!(
                "一度に取り込めるのは {MAX_IMPORTED_USERS} 人までです（ファイルには {} 人）。ファイルを分けてください",
                rows.len()
            )));
        }
        let (planned, plan) = check_rows(&self.db, actor, rows).await?;
        if dry_run || !plan.problems.is_empty() {
            return Ok(plan);
        }
        // Passwords are hashed before the transaction: argon2 is slow by design, and the
        // organization's writes wait while its transaction is open.
        let mut passwords = HashMap::new();
        for added in &plan.added {
            let password = generate_password();
            let hash = hash_password(&password).await?;
            passwords.insert(added.login.clone(), (password, hash));
        }
        let source: String = source.trim().chars().take(MAX_SOURCE_CHARS).collect();
        let txn = self.begin_write(actor.org_id()).await?;
        // Read again under the lock: what was planned must still be what happens.
        let (planned_now, mut plan_now) = check_rows(&txn, actor, rows).await?;
        let same_additions = plan_now.added.len() == passwords.len()
            && plan_now
                .added
                .iter()
                .all(|a| passwords.contains_key(&a.login));
        if !plan_now.problems.is_empty() || !same_additions || planned_now.len() != planned.len() {
            return Err(StoreError::Rejected(
                "取り込みの確認の後に、ほかの人が利用者を変更しました。もう一度読み込んで確かめてください"
                    .to_owned(),
            ));
        }
        let now = crate::now();
        let mut ended = Ended::default();
        for item in planned_now {
            match item {
                Planned::Add(added) => {
                    let Some((_, hash)) = passwords.get(&added.login) else {
                        continue;
                    };
                    let row = user::Entity::insert(user::ActiveModel {
                        org_id: Set(actor.org_id()),
                        login: Set(added.login.clone()),
                        display_name: Set(added.display_name.clone()),
                        department: Set(added.department.clone()),
                        role: Set(added.role.as_str().to_owned()),
                        password_hash: Set(hash.clone()),
                        active: Set(added.active),
                        created_at: Set(now),
                        password_changed_at: Set(now),
                        email: Set(added.email.clone()),
                        must_change_password: Set(false),
                        ..Default::default()
                    })
                    .exec_with_returning(&txn)
                    .await?;
                    let mut summary = Summary::new();
                    summary.note(&format!("{source} の {} から追加", added.place));
                    summary
                        .value("ログイン名", &row.login)
                        .value("氏名", &row.display_name)
                        .value("所属", &row.department)
                        .value("役割", role_label(&row.role));
                    if !row.email.is_empty() {
                        summary.value("メールアドレス", &row.email);
                    }
                    if !row.active {
                        summary.value("状態", "無効");
                    }
                    audit::append_summarized(
                        &txn,
                        actor,
                        "user.import",
                        &format!("user:{}", row.id),
                        &json!({ "login": row.login, "role": row.role, "department": row.department, "email": row.email, "active": row.active, "source": source }),
                        &summary,
                    )
                    .await?;
                }
                Planned::Change {
                    id,
                    place,
                    after,
                    summary: changes,
                    deactivates,
                    ..
                } => {
                    user::Entity::update(user::ActiveModel {
                        id: Set(id),
                        display_name: Set(after.display_name.clone()),
                        department: Set(after.department.clone()),
                        email: Set(after.email.clone()),
                        role: Set(after.role.clone()),
                        active: Set(after.active),
                        ..Default::default()
                    })
                    .exec(&txn)
                    .await?;
                    let mut summary = Summary::new();
                    summary.note(&format!("{source} の {place} から変更"));
                    summary.value("ログイン名", &after.login);
                    for line in changes.text().unwrap_or_default().lines() {
                        summary.note(line);
                    }
                    if deactivates {
                        let these = end_sign_ins(&txn, id).await?;
                        ended.sessions += these.sessions;
                        ended.tokens += these.tokens;
                        let note = active_summary(&after.login, false, these);
                        if let Some(last) = note
                            .text()
                            .and_then(|t| t.lines().last().map(str::to_owned))
                        {
                            summary.note(&last);
                        }
                    }
                    audit::append_summarized(
                        &txn,
                        actor,
                        "user.import",
                        &format!("user:{id}"),
                        &json!({ "login": after.login, "role": after.role, "department": after.department, "email": after.email, "display_name": after.display_name, "active": after.active, "source": source }),
                        &summary,
                    )
                    .await?;
                }
                Planned::Same => {}
            }
        }
        self.commit(txn, actor.org_id()).await?;
        self.auth.clear();
        for added in &mut plan_now.added {
            added.password = passwords.remove(&added.login).map(|(password, _)| password);
        }
        plan_now.applied = true;
        plan_now.ended = ended;
        Ok(plan_now)
    }
}

/// Checks every row against the organization's users as `db` sees them.
async fn check_rows<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    rows: &[ImportedUser],
) -> Result<(Vec<Planned>, UserImportPlan), StoreError> {
    let members: HashMap<String, user::Model> = user::Entity::find()
        .filter(user::Column::OrgId.eq(actor.org_id()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.login.clone(), u))
        .collect();
    let named: Vec<String> = rows
        .iter()
        .map(|r| r.login.trim().to_owned())
        .filter(|l| !members.contains_key(l))
        .collect();
    let mut elsewhere = HashSet::new();
    for chunk in named.chunks(500) {
        elsewhere.extend(
            user::Entity::find()
                .filter(user::Column::Login.is_in(chunk.iter().cloned()))
                .all(db)
                .await?
                .into_iter()
                .map(|u| u.login),
        );
    }
    let mut plan = UserImportPlan::default();
    let mut planned = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut after_state: HashMap<String, (UserRole, bool)> = members
        .values()
        .map(|u| {
            (
                u.login.clone(),
                (
                    UserRole::parse(&u.role).unwrap_or(UserRole::Applicant),
                    u.active,
                ),
            )
        })
        .collect();
    let admins = |state: &HashMap<String, (UserRole, bool)>| {
        state
            .values()
            .filter(|(role, active)| *role == UserRole::Admin && *active)
            .count()
    };
    let admins_before = admins(&after_state);
    for row in rows {
        let mut problems = Vec::new();
        let mut fail = |message: String| problems.push(message);
        let login = check_login(&row.login)
            .map_err(|e| fail(e.to_string()))
            .ok();
        let name = text_field(&row.display_name, "氏名", 200, true)
            .map_err(|e| fail(e.to_string()))
            .ok();
        let department = text_field(&row.department, "所属", 200, true)
            .map_err(|e| fail(e.to_string()))
            .ok();
        let email = match &row.email {
            Some(email) => parse_email(email)
                .map(Some)
                .map_err(|e| fail(e.to_string()))
                .ok(),
            None => Some(None),
        };
        if let Some(login) = &login {
            if let Some(first) = seen.get(login) {
                fail(format!("ログイン名 {login} は {first} にもあります"));
            } else {
                seen.insert(login.clone(), row.place.clone());
            }
            if elsewhere.contains(login) {
                fail(format!("ログイン名 {login} はほかの組織で使われています"));
            }
        }
        let (Some(login), Some(name), Some(department), Some(email), true) =
            (login, name, department, email, problems.is_empty())
        else {
            plan.problems
                .extend(problems.into_iter().map(|message| ImportProblem {
                    place: row.place.clone(),
                    message,
                }));
            planned.push(Planned::Same);
            continue;
        };
        match members.get(&login) {
            None => {
                let active = row.active.unwrap_or(true);
                after_state.insert(login.clone(), (row.role, active));
                let added = AddedUser {
                    place: row.place.clone(),
                    login,
                    display_name: name,
                    department,
                    email: email.unwrap_or_default(),
                    role: row.role,
                    active,
                    password: None,
                };
                plan.added.push(added.clone());
                planned.push(Planned::Add(added));
            }
            Some(before) => {
                let mut after = before.clone();
                after.display_name = name;
                after.department = department;
                if let Some(email) = email {
                    after.email = email;
                }
                after.role = row.role.as_str().to_owned();
                if let Some(active) = row.active {
                    after.active = active;
                }
                let state = |active: bool| if active { "有効" } else { "無効" };
                let mut summary = Summary::new();
                summary
                    .change("氏名", &before.display_name, &after.display_name)
                    .change("所属", &before.department, &after.department)
                    .change("メールアドレス", &before.email, &after.email)
                    .change("役割", role_label(&before.role), role_label(&after.role))
                    .change("状態", state(before.active), state(after.active));
                after_state.insert(login.clone(), (row.role, after.active));
                if summary.is_empty() {
                    plan.unchanged += 1;
                    planned.push(Planned::Same);
                    continue;
                }
                plan.changed.push(ChangedUser {
                    place: row.place.clone(),
                    login: login.clone(),
                    changes: summary
                        .text()
                        .unwrap_or_default()
                        .lines()
                        .map(str::to_owned)
                        .collect(),
                });
                planned.push(Planned::Change {
                    id: before.id,
                    place: row.place.clone(),
                    deactivates: before.active && !after.active,
                    after,
                    summary,
                });
            }
        }
    }
    if let Err(refusal) = keeps_an_administrator(admins_before, admins(&after_state)) {
        plan.problems.push(ImportProblem {
            place: "ファイル全体".to_owned(),
            message: refusal.to_string(),
        });
    }
    Ok((planned, plan))
}
