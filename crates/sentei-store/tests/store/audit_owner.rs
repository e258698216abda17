//! The audit chain against the database's owner (issue 12, finding 15): records cut off the
//! end, and rows changed with SQL behind the chain's back, are found by `verify_audit`. Each
//! test makes the attack first, as someone with the database's password would, and shows what
//! the chain alone missed.

use sea_orm::{ConnectionTrait, Database};
use sentei_core::workflow::{Action, UserRole};
use sentei_store::{HeadProblem, HeadPublisher, OrgVerification, RowDrift, RowProblem, Store};

use crate::both;
use crate::harness::{CATALOG, Fixture};
use crate::steps::{APPROVABLE, approved, submitted};

/// Runs SQL behind the store's back.
async fn tamper(f: &Fixture, sql: &str) {
    f.tampering();
    let db = Database::connect(f.url.expose()).await.unwrap();
    db.execute_unprepared(sql).await.unwrap();
    db.close().await.unwrap();
}

async fn verified(store: &Store) -> OrgVerification {
    store.verify_audit(Some("shunan")).await.unwrap().remove(0)
}

/// The one row problem of a verification, with the chain itself intact.
fn only_row_problem(v: &OrgVerification) -> &RowProblem {
    assert!(v.result.is_ok(), "{:?}", v.result);
    assert_eq!(v.rows.len(), 1, "{:#?}", v.rows);
    &v.rows[0]
}

both!(
    issue_12_records_cut_off_the_end_are_found_by_the_head_file,
    |f| {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("heads").join("audit-heads.log");
        let store = f
            .store
            .clone()
            .publishing_heads(HeadPublisher::open(Some(&file), false).unwrap())
            .await
            .unwrap();
        // Writes through this store publish the head after each commit.
        let (app, assessment) = submitted(&f, APPROVABLE).await;
        store
            .act(
                &f.approver,
                &CATALOG,
                app.id,
                Action::Approve,
                "",
                Some(assessment.version),
            )
            .await
            .unwrap();
        let before = verified(&store).await;
        assert!(before.holds(), "{before:#?}");
        let count = before.result.as_ref().unwrap().count as i64;
        let published = before.published.as_ref().unwrap();
        assert_eq!(
            published.newest,
            Some(count),
            "the last write's head is published"
        );
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.lines()
                .last()
                .unwrap()
                .contains(&format!(" org=shunan seq={count} hash=")),
            "{text}"
        );

        // The database's owner deletes the last three records.
        tamper(
            &f,
            &format!("DELETE FROM audit_records WHERE seq > {}", count - 3),
        )
        .await;
        // The chain alone still verifies: what is left agrees with itself.
        let alone = store
            .verify_audit_with(Some("shunan"), None)
            .await
            .unwrap()
            .remove(0);
        assert!(alone.result.is_ok());
        // Against the published heads, the cut shows.
        let after = verified(&store).await;
        assert!(!after.holds());
        let problem = after.published.as_ref().unwrap().problem.clone().unwrap();
        assert_eq!(
            problem,
            HeadProblem::Cut {
                published: count,
                last: count - 3
            }
        );
        assert!(
            problem
                .to_string()
                .contains(&format!("記録 {} 以降が削除されています", count - 2)),
            "{problem}"
        );

        // Writing on after the cut rebuilds the end of the chain with other hashes: still found.
        for role in [UserRole::Auditor, UserRole::Applicant, UserRole::Auditor] {
            store.set_role(&f.admin, "takahashi", role).await.unwrap();
        }
        let rebuilt = verified(&store).await;
        assert_eq!(rebuilt.result.as_ref().unwrap().count as i64, count);
        assert_eq!(
            rebuilt.published.unwrap().problem,
            Some(HeadProblem::Rewritten { seq: count })
        );
    }
);

both!(issue_12_a_users_role_changed_in_sql_is_named, |f| {
    assert!(verified(&f.store).await.holds());
    tamper(&f, "UPDATE users SET role = 'admin' WHERE login = 'tanaka'").await;
    let v = verified(&f.store).await;
    let problem = only_row_problem(&v);
    assert!(matches!(&problem.drift, RowDrift::Changed { fields, .. } if fields == &["役割"]));
    let text = problem.to_string();
    assert!(
        text.starts_with("利用者 tanaka（田中 一郎）: 記録 "),
        "{text}"
    );
    assert!(
        text.ends_with("監査記録のない変更があります（役割）"),
        "{text}"
    );
});

both!(issue_12_a_password_or_department_set_in_sql_is_named, |f| {
    // Someone copies a known password's hash onto the administrator, and moves a user.
    tamper(
        &f,
        "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE login = 'tanaka') WHERE login = 'yamamoto'",
    )
    .await;
    tamper(
        &f,
        "UPDATE users SET department = '市民課' WHERE login = 'suzuki'",
    )
    .await;
    let v = verified(&f.store).await;
    let named: Vec<(String, RowDrift)> = v
        .rows
        .iter()
        .map(|r| (r.object.clone(), r.drift.clone()))
        .collect();
    assert_eq!(named.len(), 2, "{named:#?}");
    assert!(matches!(&named[0].1, RowDrift::Changed { fields, .. } if fields == &["所属"]));
    assert!(matches!(&named[1].1, RowDrift::Changed { fields, .. } if fields == &["パスワード"]));
});

both!(issue_12_a_ledger_entry_edited_in_sql_is_named, |f| {
    let (_, entry) = approved(&f).await;
    assert!(verified(&f.store).await.holds());
    tamper(
        &f,
        &format!(
            "UPDATE ledger_entries SET period_end = '2099-03-31', classification = '1' WHERE id = {entry}"
        ),
    )
    .await;
    let v = verified(&f.store).await;
    let problem = only_row_problem(&v);
    assert_eq!(problem.object, format!("ledger:{entry}"));
    assert!(
        matches!(&problem.drift, RowDrift::Changed { fields, .. }
            if fields == &["取り扱う情報の分類", "利用期間の終わり"]),
        "{problem:?}"
    );
    assert!(
        problem
            .to_string()
            .starts_with(&format!("台帳の項目 {entry}（"))
    );
});

both!(
    issue_12_a_stored_verdict_or_status_changed_in_sql_is_named,
    |f| {
        let (app, assessment) = submitted(&f, APPROVABLE).await;
        tamper(
            &f,
            &format!(
                "UPDATE assessments SET verdict = 'not_approvable' WHERE id = {}",
                assessment.id
            ),
        )
        .await;
        tamper(
            &f,
            &format!(
                "UPDATE applications SET status = 'approved' WHERE id = {}",
                app.id
            ),
        )
        .await;
        let v = verified(&f.store).await;
        let found: Vec<String> = v.rows.iter().map(ToString::to_string).collect();
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].starts_with(&format!("申請 {}: ", app.id)) && found[0].ends_with("（状態）")
        );
        assert!(
            found[1].starts_with(&format!("評価 {}: ", assessment.id))
                && found[1].ends_with("（判定）"),
            "{found:#?}"
        );
    }
);

both!(issue_12_rows_added_or_removed_in_sql_are_named, |f| {
    let (app, _) = submitted(&f, APPROVABLE).await;
    let org = f.admin.org_id();
    // An administrator made with SQL, and an exception accepted with SQL.
    tamper(
        &f,
        &format!(
            "INSERT INTO users (org_id, login, display_name, department, role, password_hash, active, created_at, password_changed_at, email, mail_mode)
             SELECT org_id, 'intruder', '侵入者', department, 'admin', password_hash, active, created_at, password_changed_at, '', mail_mode FROM users WHERE login = 'tanaka' AND org_id = {org}"
        ),
    )
    .await;
    let approver = f.approver.user_id().unwrap();
    tamper(
        &f,
        &format!(
            "INSERT INTO acceptances (org_id, application_id, role, user_id, reason, assessment_version, at)
             SELECT org_id, id, 'approver', {approver}, '了承', 1, created_at FROM applications WHERE id = {}",
            app.id
        ),
    )
    .await;
    let v = verified(&f.store).await;
    let found: Vec<String> = v.rows.iter().map(ToString::to_string).collect();
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(
        found[0],
        "利用者 intruder（侵入者）: 監査記録にない行です（監査記録を通さずに追加されています）"
    );
    assert!(found[1].ends_with("（例外の承認）"), "{found:#?}");
    // A ledger entry deleted with SQL.
    let (_, entry) = approved(&f).await;
    tamper(
        &f,
        &format!("DELETE FROM ledger_versions WHERE entry_id = {entry}"),
    )
    .await;
    tamper(
        &f,
        &format!("DELETE FROM ledger_entries WHERE id = {entry}"),
    )
    .await;
    let v = verified(&f.store).await;
    assert!(
        v.rows.iter().any(|r| r.object == format!("ledger:{entry}")
            && matches!(r.drift, RowDrift::Removed { .. })
            && r.to_string().contains("監査記録を通さずに削除されています")),
        "{:#?}",
        v.rows
    );
});
