//! Operating the installation: schema, backups, organizations, users.

use std::io::{BufRead, Read};
use std::path::Path;

use sentei_core::workflow::UserRole;
use sentei_store::{NewUser, Store, generate_password};

use super::{open, operator, store_failure};
use crate::cli::{RoleArg, UserCommand, UserListFormat};
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
    // Kept verdicts follow the profiles this binary reads (a corrected reading, a new version).
    let catalog = crate::files::catalog(None)?;
    let bar = crate::progress::bar(0, "評価を判定し直しています");
    let report = store
        .rejudge_with(&catalog, &mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await
        .map_err(|e| store_failure(&e))?;
    bar.finish_and_clear();
    out.push_str(&rejudge_summary(&report));
    Ok(out)
}

/// What re-judging did, in a line for people.
pub fn rejudge_summary(report: &sentei_store::RejudgeReport) -> String {
    let mut line = format!(
        "保存されている評価 {} 件を現在の基準で判定し直しました（判定が変わったもの {} 件。変わる前の判定は監査記録にあります）",
        report.judged, report.changed
    );
    if report.unreadable > 0 {
        line.push_str(&format!(
            "。現在の基準で読めない評価が {} 件あります。評価の画面で直して保存してください",
            report.unreadable
        ));
    }
    line.push('\n');
    line
}

pub async fn backup(config: &Config, file: &Path) -> Result<String, Failure> {
    let store = open(config).await?;
    let spinner = crate::progress::spinner("バックアップを書き出しています");
    let written = store.backup(file).await;
    spinner.finish_and_clear();
    written.map_err(|e| store_failure(&e))?;
    Ok(format!(
        "バックアップを書き出しました: {}\n",
        file.display()
    ))
}

pub async fn restore(config: &Config, file: &Path, force: bool) -> Result<String, Failure> {
    let exists = config
        .database_url
        .sqlite_path()
        .is_some_and(|p| p.exists());
    if exists && !force {
        return Err(Failure::usage(format!(
            "{} をバックアップ {} で置き換えます。よければ --force を付けて、もう一度実行してください（サーバーは止めておいてください）",
            config.database_url,
            file.display()
        )));
    }
    let spinner = crate::progress::spinner("バックアップを確かめて戻しています");
    let restored = sentei_store::restore(file, &config.database_url).await;
    spinner.finish_and_clear();
    let report = restored.map_err(|e| store_failure(&e))?;
    let mut out = format!(
        "バックアップを戻しました: {} ← {}（スキーマの版 {}、組織 {}、利用者 {}）。次に起動したときにスキーマを最新にします\n",
        config.database_url,
        file.display(),
        report.schema_version,
        report.organizations,
        report.users
    );
    // The records made after the backup are gone, on purpose: the heads published for them
    // are kept aside, named for the restore, and a new head file starts from the backup's
    // chain (otherwise `audit verify` would report the restore as records cut off, forever).
    if let Some(heads) = &config.audit.head_file
        && heads.exists()
    {
        let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let mut aside = heads.clone().into_os_string();
        aside.push(format!(".before-restore-{stamp}"));
        let aside = std::path::PathBuf::from(aside);
        std::fs::rename(heads, &aside).map_err(|e| {
            Failure::usage(format!(
                "監査記録の末尾のファイル {} を移せません（{e}）",
                heads.display()
            ))
        })?;
        out.push_str(&format!(
            "監査記録の末尾のファイルを {} に移しました。バックアップより後の記録は、戻したデータベースにはありません（移したファイルが、それまでに書き出された末尾の記録です）\n",
            aside.display()
        ));
    }
    Ok(out)
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
                        email: String::new(),
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
        UserCommand::List { format } => {
            let users = store
                .users(&operator)
                .await
                .map_err(|e| store_failure(&e))?;
            if format == UserListFormat::Csv {
                return sentei_exchange::users_file::write(&users)
                    .map_err(|e| Failure::internal(format!("CSV を書き出せません（{e}）")));
            }
            let mut rows = vec![vec![
                "ログイン名".to_owned(),
                "氏名".to_owned(),
                "所属".to_owned(),
                "メールアドレス".to_owned(),
                "役割".to_owned(),
                "状態".to_owned(),
            ]];
            rows.extend(users.into_iter().map(|u| {
                vec![
                    u.login,
                    u.display_name,
                    u.department,
                    u.email,
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
        command @ (UserCommand::Deactivate { .. }
        | UserCommand::Activate { .. }
        | UserCommand::Edit { .. }
        | UserCommand::Import { .. }) => super::people::user(&store, &operator, command).await,
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
                "{login} のパスワードを変更しました（ログイン {} 件と API トークン {} 件を無効にしました）\n",
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
