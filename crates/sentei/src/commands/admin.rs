//! Operating the installation: schema, backups, organizations, users.

use std::io::{BufRead, Read};
use std::path::Path;

use sentei_core::workflow::UserRole;
use sentei_store::{NewUser, Store, generate_password};

use super::{open, operator, store_failure};
use crate::cli::{RoleArg, UserCommand};
use crate::config::Config;
use crate::failure::Failure;
use crate::render::columns;

pub async fn migrate(config: &Config) -> Result<String, Failure> {
    let store = Store::connect(&config.database_url)
        .await
        .map_err(|e| store_failure(&e))?;
    let applied = store.migrate().await.map_err(|e| store_failure(&e))?;
    let (current, _) = store
        .schema_versions()
        .await
        .map_err(|e| store_failure(&e))?;
    let mut out = format!("データベース: {}\n", config.database_url);
    if applied.is_empty() {
        out.push_str(&format!("スキーマは最新です（版 {current}）\n"));
    }
    for (version, name) in applied {
        out.push_str(&format!("適用しました: 版 {version}（{name}）\n"));
    }
    Ok(out)
}

pub async fn backup(config: &Config, file: &Path) -> Result<String, Failure> {
    let store = open(config).await?;
    store.backup(file).await.map_err(|e| store_failure(&e))?;
    Ok(format!(
        "バックアップを書き出しました: {}\n",
        file.display()
    ))
}

pub async fn org_add(config: &Config, code: &str, name: &str) -> Result<String, Failure> {
    let store = open(config).await?;
    let org = store
        .create_organization(code, name)
        .await
        .map_err(|e| store_failure(&e))?;
    Ok(format!(
        "組織を追加しました: {}（{}）\n",
        org.code, org.name
    ))
}

pub async fn org_list(config: &Config) -> Result<String, Failure> {
    let store = open(config).await?;
    let orgs = store.organizations().await.map_err(|e| store_failure(&e))?;
    let mut rows = vec![vec!["コード".to_owned(), "名称".to_owned()]];
    rows.extend(orgs.into_iter().map(|o| vec![o.code, o.name]));
    Ok(columns(&rows))
}

pub async fn user(
    config: &Config,
    org: Option<&str>,
    command: UserCommand,
) -> Result<String, Failure> {
    let store = open(config).await?;
    let operator = operator(&store, org).await?;
    match command {
        UserCommand::Add {
            login,
            name,
            department,
            role,
            password_stdin,
        } => {
            let (password, generated) = password(password_stdin)?;
            let user = store
                .add_user(
                    &operator,
                    NewUser {
                        login,
                        display_name: name,
                        department,
                        role: role_of(role),
                        password: password.clone(),
                    },
                )
                .await
                .map_err(|e| store_failure(&e))?;
            let mut out = format!(
                "利用者を追加しました: {}（{}、{}、{}）\n",
                user.login,
                user.display_name,
                user.department,
                user.role.label()
            );
            if generated {
                out.push_str(&format!(
                    "初期パスワード（この一度だけ表示します）: {password}\n"
                ));
            }
            Ok(out)
        }
        UserCommand::List => {
            let users = store
                .users(&operator)
                .await
                .map_err(|e| store_failure(&e))?;
            let mut rows = vec![vec![
                "ログイン名".to_owned(),
                "氏名".to_owned(),
                "所属".to_owned(),
                "役割".to_owned(),
                "状態".to_owned(),
            ]];
            rows.extend(users.into_iter().map(|u| {
                vec![
                    u.login,
                    u.display_name,
                    u.department,
                    format!("{}（{}）", u.role.label(), u.role.as_str()),
                    if u.active { "有効" } else { "無効" }.to_owned(),
                ]
            }));
            Ok(columns(&rows))
        }
        UserCommand::SetRole { login, role } => {
            let user = store
                .set_role(&operator, &login, role_of(role))
                .await
                .map_err(|e| store_failure(&e))?;
            Ok(format!(
                "{} の役割を「{}」にしました\n",
                user.login,
                user.role.label()
            ))
        }
        UserCommand::Passwd {
            login,
            password_stdin,
        } => {
            let (password, generated) = password(password_stdin)?;
            let ended = store
                .reset_password(&operator, &login, &password)
                .await
                .map_err(|e| store_failure(&e))?;
            let mut out = format!(
                "{login} のパスワードを変更しました（サインイン {} 件と API トークン {} 件を無効にしました）\n",
                ended.sessions, ended.tokens
            );
            if generated {
                out.push_str(&format!(
                    "新しいパスワード（この一度だけ表示します）: {password}\n"
                ));
            }
            Ok(out)
        }
    }
}

/// The password from standard input's first line, or a generated one.
fn password(from_stdin: bool) -> Result<(String, bool), Failure> {
    if !from_stdin {
        return Ok((generate_password(), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .take(1024)
        .read_line(&mut line)
        .map_err(|e| Failure::usage(format!("標準入力からパスワードを読めません（{e}）")))?;
    Ok((line.trim_end_matches(['\r', '\n']).to_owned(), false))
}

fn role_of(role: RoleArg) -> UserRole {
    match role {
        RoleArg::Applicant => UserRole::Applicant,
        RoleArg::Approver => UserRole::Approver,
        RoleArg::Ciso => UserRole::Ciso,
        RoleArg::Auditor => UserRole::Auditor,
        RoleArg::Admin => UserRole::Admin,
    }
}
