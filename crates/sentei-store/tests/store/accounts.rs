//! Users, roles, passwords; the schema and its migrations; backups.

use sea_orm::{ConnectionTrait, Database};
use sentei_core::workflow::UserRole;
use sentei_store::{NewUser, Store, StoreError};

use crate::both;
use crate::harness::PASSWORD;
use crate::steps::{APPROVABLE, draft};

both!(users_sign_in_only_with_the_right_password, |f| {
    let s = &f.store;
    assert!(s.authenticate("tanaka", PASSWORD).await.unwrap().is_some());
    assert!(
        s.authenticate("tanaka", "wrong password here")
            .await
            .unwrap()
            .is_none()
    );
    assert!(s.authenticate("nobody", PASSWORD).await.unwrap().is_none());
    s.change_own_password(&f.applicant, "another long password", None, false)
        .await
        .unwrap();
    assert!(s.authenticate("tanaka", PASSWORD).await.unwrap().is_none());
    let me = s
        .authenticate("tanaka", "another long password")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(me.role(), UserRole::Applicant);
    assert_eq!(me.display_name(), "田中 一郎");
    // Changing someone else's password needs an administrator.
    let refused = s
        .reset_password(&f.applicant, "suzuki", "another long password")
        .await
        .unwrap_err();
    assert!(matches!(refused, StoreError::Denied(_)));
    s.reset_password(&f.admin, "suzuki", "reset by the admin")
        .await
        .unwrap();
});

both!(logins_are_unique_and_passwords_long_enough, |f| {
    let new = |login: &str, password: &str| NewUser {
        login: login.to_owned(),
        display_name: "新人".to_owned(),
        department: "総務課".to_owned(),
        role: UserRole::Applicant,
        password: password.to_owned(),
        email: String::new(),
    };
    let taken = f
        .store
        .add_user(&f.admin, new("tanaka", PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(
        taken.to_string(),
        "ログイン名 tanaka はすでに使われています"
    );
    let short = f
        .store
        .add_user(&f.admin, new("newcomer", "short"))
        .await
        .unwrap_err();
    assert!(short.to_string().contains("12〜256 文字"), "{short}");
    let bad = f
        .store
        .add_user(&f.admin, new("Bad Login", PASSWORD))
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("ログイン名は"), "{bad}");
    let denied = f
        .store
        .add_user(&f.approver, new("newcomer", PASSWORD))
        .await
        .unwrap_err();
    assert!(matches!(denied, StoreError::Denied(_)));
    let users = f.store.users(&f.admin).await.unwrap();
    assert_eq!(users.len(), 7);
});

both!(roles_change_and_take_effect_at_once, |f| {
    f.store
        .set_role(&f.admin, "watanabe", UserRole::Approver)
        .await
        .unwrap();
    let user = f
        .store
        .actor(f.auditor.user_id().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role(), UserRole::Approver);
});

both!(a_schema_newer_than_the_binary_is_refused, |f| {
    let (current, latest) = f.store.schema_versions().await.unwrap();
    assert_eq!(current, latest);
    assert!(
        f.store.migrate().await.unwrap().is_empty(),
        "nothing left to apply"
    );
    let db = Database::connect(f.url.expose()).await.unwrap();
    let at = if f.kind == Kind::Postgres {
        "now()"
    } else {
        "'2030-01-01T00:00:00Z'"
    };
    db.execute_unprepared(&format!(
        "INSERT INTO sentei_schema (version, name, applied_at) VALUES ({}, 'from the future', {at})",
        latest + 1
    ))
    .await
    .unwrap();
    db.close().await.unwrap();
    let refused = Store::open(&f.url).await.unwrap_err();
    assert!(matches!(refused, StoreError::Schema(_)));
    assert!(
        refused
            .to_string()
            .contains("新しい版の sentei を使ってください"),
        "{refused}"
    );
});

both!(backups_copy_a_live_sqlite_database, |f| {
    draft(&f, APPROVABLE).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("backup.db");
    let result = f.store.backup(&target).await;
    if f.kind == Kind::Postgres {
        assert!(result.unwrap_err().to_string().contains("pg_dump"));
        return;
    }
    result.unwrap();
    let copy = Store::open(&sentei_store::DatabaseUrl::sqlite(&target))
        .await
        .unwrap();
    let actor = copy
        .authenticate("tanaka", PASSWORD)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        copy.applications(&actor, None, 1, 10).await.unwrap().total,
        1
    );
    assert!(copy.verify_audit(None).await.unwrap()[0].result.is_ok());
    assert!(
        f.store
            .backup(&target)
            .await
            .unwrap_err()
            .to_string()
            .contains("上書きしない")
    );
});
