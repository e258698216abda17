//! People over time (issue #11, item 5): deactivating and reactivating users, editing them,
//! the last administrator, renaming the organization, and the April transfers from a file.

use sea_orm::{ConnectionTrait, Database};
use sentei_core::people::ImportedUser;
use sentei_core::workflow::UserRole;
use sentei_store::{NewUser, StoreError, UserEdit};

use crate::both;
use crate::harness::{Fixture, PASSWORD};

/// The newest audit record's action and summary.
async fn last_record(f: &Fixture) -> (String, String) {
    let page = f.store.audit_page(&f.auditor, 1, 1).await.unwrap();
    let record = &page.items[0];
    (
        record.action.clone(),
        record.summary.clone().unwrap_or_default(),
    )
}

both!(deactivation_ends_every_session_and_token_at_once, |f| {
    let s = &f.store;
    let (cookie, _) = s.start_session(&f.applicant).await.unwrap();
    let (token, _) = s
        .create_token(
            &f.applicant,
            &sentei_store::NewToken::new("集計スクリプト", sentei_core::access::Scope::ReadWrite),
        )
        .await
        .unwrap();
    // Looked up twice, so both are in this server's cache of who is signed in.
    for _ in 0..2 {
        assert!(s.session(&cookie).await.unwrap().is_some());
        assert!(s.token_actor(&token).await.unwrap().is_some());
    }
    let (user, ended) = s.deactivate_user(&f.admin, "tanaka").await.unwrap();
    assert!(!user.active);
    assert_eq!((ended.sessions, ended.tokens), (1, 1));
    // At once: no waiting for the cache to expire.
    assert!(s.session(&cookie).await.unwrap().is_none());
    assert!(s.token_actor(&token).await.unwrap().is_none());
    assert!(s.authenticate("tanaka", PASSWORD).await.unwrap().is_none());
    assert!(s.acting_as(&f.operator, "tanaka").await.is_err());
    let (action, summary) = last_record(&f).await;
    assert_eq!(action, "user.deactivate");
    assert_eq!(
        summary,
        "ログイン名: tanaka\n状態: 有効 → 無効\n終了したセッション 1 件、無効にした API トークン 1 件"
    );
    // The list still shows them, as inactive; their name stays on what they did.
    let listed = s.users(&f.admin).await.unwrap();
    assert!(listed.iter().any(|u| u.login == "tanaka" && !u.active));

    // Reactivated, they sign in with their password; what ended stays ended.
    let user = s.activate_user(&f.admin, "tanaka").await.unwrap();
    assert!(user.active);
    assert!(s.authenticate("tanaka", PASSWORD).await.unwrap().is_some());
    assert!(s.session(&cookie).await.unwrap().is_none());
    assert!(s.token_actor(&token).await.unwrap().is_none());
    assert_eq!(
        last_record(&f).await.1,
        "ログイン名: tanaka\n状態: 無効 → 有効"
    );
    // Doing it twice changes nothing and records nothing more.
    let before = s.audit_page(&f.auditor, 1, 1).await.unwrap().total;
    s.activate_user(&f.admin, "tanaka").await.unwrap();
    assert_eq!(s.audit_page(&f.auditor, 1, 1).await.unwrap().total, before);
});

both!(only_administrators_change_people, |f| {
    for actor in [&f.applicant, &f.approver, &f.ciso, &f.auditor] {
        let refused = f.store.deactivate_user(actor, "suzuki").await.unwrap_err();
        assert!(matches!(refused, StoreError::Denied(_)), "{refused}");
        let refused = f
            .store
            .edit_user(actor, "suzuki", UserEdit::default())
            .await
            .unwrap_err();
        assert!(matches!(refused, StoreError::Denied(_)), "{refused}");
        assert!(matches!(
            f.store.rename_organization(actor, "別の市").await,
            Err(StoreError::Denied(_))
        ));
    }
    // Only users of the administrator's own organization.
    f.store.create_organization("other", "他市").await.unwrap();
    let other = f.store.operator("other").await.unwrap();
    let refused = f.store.deactivate_user(&other, "suzuki").await.unwrap_err();
    assert!(matches!(refused, StoreError::NotFound(_)), "{refused}");
});

both!(the_last_active_administrator_stays_one, |f| {
    let s = &f.store;
    let own = s.deactivate_user(&f.admin, "yamamoto").await.unwrap_err();
    assert_eq!(
        own.to_string(),
        "あなたは最後の有効なシステム管理者のため、自分のアカウントを無効にすることはできません。先にほかの利用者をシステム管理者にしてください"
    );
    let demoted = s
        .set_role(&f.admin, "yamamoto", UserRole::Approver)
        .await
        .unwrap_err();
    assert!(
        demoted.to_string().contains("自分の役割は変更できません"),
        "{demoted}"
    );
    // Not from the command line either: the organization would have nobody to manage it.
    let by_operator = s
        .deactivate_user(&f.operator, "yamamoto")
        .await
        .unwrap_err();
    assert!(
        by_operator
            .to_string()
            .starts_with("yamamoto は最後の有効なシステム管理者"),
        "{by_operator}"
    );
    assert!(
        s.authenticate("yamamoto", PASSWORD)
            .await
            .unwrap()
            .is_some()
    );
    // With a second administrator, the first may step down; the other changes the role, as
    // nobody changes their own (issue 12, finding 13).
    s.set_role(&f.admin, "watanabe", UserRole::Admin)
        .await
        .unwrap();
    let watanabe = s.authenticate("watanabe", PASSWORD).await.unwrap().unwrap();
    let user = s
        .set_role(&watanabe, "yamamoto", UserRole::Auditor)
        .await
        .unwrap();
    assert_eq!(user.role, UserRole::Auditor);
    assert_eq!(
        last_record(&f).await.1,
        "ログイン名: yamamoto\n役割: システム管理者 → 監査担当者"
    );
    // And now watanabe is the last one.
    assert!(s.deactivate_user(&watanabe, "watanabe").await.is_err());
    // An inactive administrator does not count.
    s.set_role(&watanabe, "yamamoto", UserRole::Admin)
        .await
        .unwrap();
    s.deactivate_user(&watanabe, "yamamoto").await.unwrap();
    assert!(s.deactivate_user(&watanabe, "watanabe").await.is_err());
});

both!(names_departments_and_addresses_are_edited, |f| {
    let s = &f.store;
    let (cookie, _) = s.start_session(&f.applicant).await.unwrap();
    assert_eq!(
        s.session(&cookie)
            .await
            .unwrap()
            .unwrap()
            .actor
            .department(),
        "情報政策課"
    );
    let edit = |department: &str, email: &str| UserEdit {
        display_name: "田中 一郎".to_owned(),
        department: department.to_owned(),
        email: email.to_owned(),
    };
    let user = s
        .edit_user(
            &f.admin,
            "tanaka",
            edit("市民課", " tanaka@city.shunan.lg.jp "),
        )
        .await
        .unwrap();
    assert_eq!(
        (user.department.as_str(), user.email.as_str()),
        ("市民課", "tanaka@city.shunan.lg.jp")
    );
    assert_eq!(
        last_record(&f).await,
        (
            "user.edit".to_owned(),
            "ログイン名: tanaka\n所属: 情報政策課 → 市民課\nメールアドレス: （なし） → tanaka@city.shunan.lg.jp".to_owned()
        )
    );
    // The signed-in user's pages show the new department at once.
    assert_eq!(
        s.session(&cookie)
            .await
            .unwrap()
            .unwrap()
            .actor
            .department(),
        "市民課"
    );
    let bad = s
        .edit_user(&f.admin, "tanaka", edit("市民課", "tanaka.city"))
        .await
        .unwrap_err();
    assert!(
        bad.to_string().starts_with("メールアドレス「tanaka.city」"),
        "{bad}"
    );
    let blank = s
        .edit_user(&f.admin, "tanaka", edit(" ", ""))
        .await
        .unwrap_err();
    assert_eq!(blank.to_string(), "所属を書いてください");
    assert_eq!(
        s.user(&f.admin, "tanaka").await.unwrap().department,
        "市民課"
    );
});

both!(the_organization_is_renamed, |f| {
    let org = f
        .store
        .rename_organization(&f.admin, " 周南市役所 ")
        .await
        .unwrap();
    assert_eq!(
        (org.code.as_str(), org.name.as_str()),
        ("shunan", "周南市役所")
    );
    assert_eq!(
        last_record(&f).await,
        (
            "organization.rename".to_owned(),
            "名称: 周南市 → 周南市役所".to_owned()
        )
    );
    assert!(f.store.rename_organization(&f.admin, "  ").await.is_err());
    assert_eq!(
        f.store.own_organization(&f.applicant).await.unwrap().name,
        "周南市役所"
    );
});

fn row(place: &str, login: &str, department: &str, role: UserRole) -> ImportedUser {
    ImportedUser {
        place: place.to_owned(),
        login: login.to_owned(),
        display_name: format!("{login} の氏名"),
        department: department.to_owned(),
        email: None,
        role,
        active: None,
    }
}

both!(april_transfers_are_read_in_all_or_nothing, |f| {
    let s = &f.store;
    let (cookie, _) = s.start_session(&f.ciso).await.unwrap();
    let mut moved = row("2行目", "tanaka", "市民課", UserRole::Applicant);
    moved.display_name = "田中 一郎".to_owned();
    let mut leaving = row("3行目", "sato", "情報政策課", UserRole::Ciso);
    leaving.display_name = "佐藤 四郎".to_owned();
    leaving.active = Some(false);
    let mut newcomer = row("4行目", "kobayashi", "子育て支援課", UserRole::Applicant);
    newcomer.email = Some("kobayashi@city.shunan.lg.jp".to_owned());
    let mut same = row("5行目", "suzuki", "情報政策課", UserRole::Approver);
    same.display_name = "鈴木 次郎".to_owned();
    let rows = vec![moved, leaving, newcomer, same];

    // A dry run says what would happen and changes nothing.
    let trail = s.audit_page(&f.auditor, 1, 1).await.unwrap().total;
    let plan = s
        .import_users(&f.admin, "異動.csv", &rows, true)
        .await
        .unwrap();
    assert!(!plan.applied && plan.problems.is_empty());
    assert_eq!(plan.added.len(), 1);
    assert_eq!(plan.added[0].password, None);
    assert_eq!(plan.unchanged, 1);
    let changes: Vec<(&str, &[String])> = plan
        .changed
        .iter()
        .map(|c| (c.login.as_str(), c.changes.as_slice()))
        .collect();
    assert_eq!(
        changes,
        [
            ("tanaka", &["所属: 情報政策課 → 市民課".to_owned()][..]),
            ("sato", &["状態: 有効 → 無効".to_owned()][..]),
        ]
    );
    assert_eq!(s.users(&f.admin).await.unwrap().len(), 7);
    assert_eq!(s.audit_page(&f.auditor, 1, 1).await.unwrap().total, trail);

    // One bad row, and nothing at all is applied; every bad row is named.
    let mut bad = rows.clone();
    bad.push(row("6行目", "Bad Name", "総務課", UserRole::Applicant));
    bad.push(row("7行目", "kobayashi", "総務課", UserRole::Applicant));
    let mut no_department = row("8行目", "kato", " ", UserRole::Applicant);
    no_department.email = Some("kato@".to_owned());
    bad.push(no_department);
    let plan = s
        .import_users(&f.admin, "異動.csv", &bad, false)
        .await
        .unwrap();
    assert!(!plan.applied);
    let problems: Vec<String> = plan
        .problems
        .iter()
        .map(|p| format!("{}: {}", p.place, p.message))
        .collect();
    assert_eq!(problems.len(), 4, "{problems:?}");
    assert!(
        problems[0].starts_with("6行目: ログイン名は"),
        "{problems:?}"
    );
    assert_eq!(
        problems[1],
        "7行目: ログイン名 kobayashi は 4行目 にもあります"
    );
    assert_eq!(problems[2], "8行目: 所属を書いてください");
    assert!(
        problems[3].starts_with("8行目: メールアドレス「kato@」"),
        "{problems:?}"
    );
    assert_eq!(s.users(&f.admin).await.unwrap().len(), 7);
    assert_eq!(
        s.user(&f.admin, "tanaka").await.unwrap().department,
        "情報政策課"
    );

    // Applied: all of it, in one go.
    let plan = s
        .import_users(&f.admin, "異動.csv", &rows, false)
        .await
        .unwrap();
    assert!(plan.applied);
    assert_eq!((plan.ended.sessions, plan.ended.tokens), (1, 0));
    let password = plan.added[0].password.clone().unwrap();
    let newcomer = s
        .authenticate("kobayashi", &password)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(newcomer.department(), "子育て支援課");
    assert_eq!(
        s.user(&f.admin, "tanaka").await.unwrap().department,
        "市民課"
    );
    assert!(s.authenticate("sato", PASSWORD).await.unwrap().is_none());
    assert!(s.session(&cookie).await.unwrap().is_none());
    assert_eq!(
        s.user(&f.admin, "kobayashi").await.unwrap().email,
        "kobayashi@city.shunan.lg.jp"
    );
    let records = s.audit_page(&f.auditor, 1, 3).await.unwrap().items;
    assert!(records.iter().all(|r| r.action == "user.import"));
    assert!(
        records[0]
            .summary
            .as_deref()
            .unwrap()
            .starts_with("異動.csv の 4行目 から追加\nログイン名: kobayashi"),
        "{:?}",
        records[0].summary
    );
    // Read in again, the same file changes nothing.
    let again = s
        .import_users(&f.admin, "異動.csv", &rows, false)
        .await
        .unwrap();
    assert!(again.added.is_empty() && again.changed.is_empty());
    assert_eq!(again.unchanged, 4);
});

both!(
    an_import_keeps_an_administrator_and_its_own_organization,
    |f| {
        let s = &f.store;
        let mut admin = row("2行目", "yamamoto", "情報政策課", UserRole::Admin);
        admin.active = Some(false);
        let plan = s
            .import_users(&f.admin, "x.csv", &[admin], false)
            .await
            .unwrap();
        assert!(!plan.applied);
        assert_eq!(plan.problems[0].place, "ファイル全体");
        assert!(
            plan.problems[0]
                .message
                .contains("システム管理者が一人もいなくなります")
        );
        // A login another organization uses cannot be taken.
        s.create_organization("other", "他市").await.unwrap();
        let other = s.operator("other").await.unwrap();
        s.add_user(
            &other,
            NewUser {
                login: "nakamura".to_owned(),
                display_name: "中村".to_owned(),
                department: "総務課".to_owned(),
                role: UserRole::Admin,
                password: PASSWORD.to_owned(),
                email: String::new(),
            },
        )
        .await
        .unwrap();
        let plan = s
            .import_users(
                &f.admin,
                "x.csv",
                &[row("2行目", "nakamura", "総務課", UserRole::Applicant)],
                true,
            )
            .await
            .unwrap();
        assert_eq!(
            plan.problems[0].message,
            "ログイン名 nakamura はほかの組織で使われています"
        );
        assert!(matches!(
            s.import_users(&f.approver, "x.csv", &[], true).await,
            Err(StoreError::Denied(_))
        ));
        let too_many = vec![row("2行目", "a", "b", UserRole::Applicant); 2_001];
        assert!(
            s.import_users(&f.admin, "x.csv", &too_many, true)
                .await
                .is_err()
        );
    }
);

both!(records_with_and_without_summaries_verify_together, |f| {
    // The organization's creation has no summary; later records have.
    assert!(
        f.store
            .users(&f.admin)
            .await
            .unwrap()
            .iter()
            .all(|u| u.email.is_empty())
    );
    let db = Database::connect(f.url.expose()).await.unwrap();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM audit_records WHERE summary IS NULL".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    let without: i64 = row.try_get("", "n").unwrap();
    assert!(without >= 1, "organization.create has no summary");
    db.close().await.unwrap();
    f.store
        .edit_user(
            &f.admin,
            "tanaka",
            UserEdit {
                display_name: "田中 一郎".to_owned(),
                department: "市民課".to_owned(),
                email: String::new(),
            },
        )
        .await
        .unwrap();
    assert!(f.store.verify_audit(None).await.unwrap()[0].result.is_ok());
});
