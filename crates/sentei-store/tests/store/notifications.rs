//! Notifications: written with the event they tell of, to the people who act next; expiry told
//! once per stage; and the mail outbox, which never hands a mail to two senders nor sends one
//! left uncertain by a killed sender.

use sentei_core::notify::{MailMode, NoticeKind};
use sentei_core::workflow::Action;
use sentei_store::{Actor, LedgerQuery, MailOutcome, StoreError};
use time::macros::{date, datetime};

use crate::both;
use crate::harness::{CATALOG, Fixture};
use crate::steps::{APPROVABLE, NEEDS_CISO, draft, submitted};

async fn kinds(f: &Fixture, who: &Actor) -> Vec<NoticeKind> {
    let page = f.store.notifications(who, false, 1, 100).await.unwrap();
    page.items.iter().rev().map(|n| n.kind).collect()
}

async fn unread(f: &Fixture, who: &Actor) -> u64 {
    f.store.unread_notifications(who).await.unwrap()
}

async fn approved_entry(f: &Fixture) -> i64 {
    let (app, assessment) = submitted(f, APPROVABLE).await;
    f.store
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
    f.store
        .ledger(
            &f.auditor,
            &LedgerQuery {
                page_size: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .items
        .iter()
        .find(|e| e.application_id == Some(app.id))
        .unwrap()
        .id
}

both!(each_step_tells_the_people_who_act_next, |f| {
    let (app, _) = draft(&f, NEEDS_CISO).await;
    let act = async |who: &Actor, action: Action, comment: &str| {
        f.store
            .act(who, &CATALOG, app.id, action, comment, Some(1))
            .await
            .unwrap()
    };
    act(&f.applicant, Action::StartPreConsultation, "").await;
    for approver in [&f.approver, &f.approver2] {
        assert_eq!(
            kinds(&f, approver).await,
            vec![NoticeKind::ConsultationRequested]
        );
    }
    assert!(
        kinds(&f, &f.applicant).await.is_empty(),
        "not told of what they did"
    );
    act(&f.approver, Action::ConcludeConsultation, "問題ありません").await;
    let told = f
        .store
        .notifications(&f.applicant, false, 1, 10)
        .await
        .unwrap();
    assert_eq!(told.items[0].kind, NoticeKind::Consulted);
    assert!(told.items[0].body.contains("鈴木 次郎（情報政策課）"));
    assert!(told.items[0].body.ends_with("コメント: 問題ありません"));
    assert_eq!(told.items[0].link, format!("/applications/{}", app.id));
    act(&f.applicant, Action::Submit, "").await;
    assert_eq!(kinds(&f, &f.ciso).await, vec![NoticeKind::AcceptanceNeeded]);
    assert_eq!(
        kinds(&f, &f.approver2).await,
        vec![NoticeKind::ConsultationRequested, NoticeKind::Submitted]
    );
    // Another applicant, the auditor and the administrator are told nothing.
    for quiet in [&f.applicant2, &f.auditor, &f.admin] {
        assert!(kinds(&f, quiet).await.is_empty());
    }
    f.store
        .accept(&f.ciso, &CATALOG, app.id, "ISMS 認証で代替できると判断")
        .await
        .unwrap();
    assert_eq!(
        kinds(&f, &f.approver).await.last(),
        Some(&NoticeKind::CisoAccepted)
    );
    act(
        &f.approver,
        Action::Return,
        "暗号化の根拠を添付してください",
    )
    .await;
    assert_eq!(
        kinds(&f, &f.applicant).await.last(),
        Some(&NoticeKind::Returned)
    );
    assert_eq!(unread(&f, &f.applicant).await, 2);
    assert_eq!(unread(&f, &f.approver2).await, 3);
});

both!(a_refused_step_tells_nobody, |f| {
    let (app, assessment) = submitted(&f, APPROVABLE).await;
    let before = unread(&f, &f.applicant).await;
    let refused = f
        .store
        .act(
            &f.approver,
            &CATALOG,
            app.id,
            Action::Reject,
            "",
            Some(assessment.version),
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::Refused(_))),
        "a rejection needs its reason"
    );
    assert_eq!(unread(&f, &f.applicant).await, before);
    f.store
        .act(
            &f.approver,
            &CATALOG,
            app.id,
            Action::Reject,
            "目的が不明確です",
            None,
        )
        .await
        .unwrap();
    assert_eq!(kinds(&f, &f.applicant).await, vec![NoticeKind::Rejected]);
});

both!(reading_marks_one_or_all_and_only_ones_own, |f| {
    submitted(&f, APPROVABLE).await;
    submitted(&f, APPROVABLE).await;
    let mine = f
        .store
        .notifications(&f.approver, false, 1, 10)
        .await
        .unwrap();
    assert_eq!((mine.total, unread(&f, &f.approver).await), (4, 4));
    let first = mine.items[0].id;
    let (marked, link) = f.store.mark_read(&f.approver, Some(first)).await.unwrap();
    assert_eq!(marked, 1);
    assert!(link.unwrap().starts_with("/applications/"));
    assert_eq!(unread(&f, &f.approver).await, 3);
    let only_unread = f
        .store
        .notifications(&f.approver, true, 1, 10)
        .await
        .unwrap();
    assert_eq!(only_unread.total, 3);
    // Someone else's notification is not found, and stays unread.
    assert!(matches!(
        f.store.mark_read(&f.approver2, Some(first)).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(f.store.mark_read(&f.approver, None).await.unwrap().0, 3);
    assert_eq!(unread(&f, &f.approver).await, 0);
    assert_eq!(unread(&f, &f.approver2).await, 4);
});

both!(expiry_is_told_to_the_department_once_per_stage, |f| {
    let id = approved_entry(&f).await;
    let s = &f.store;
    // The period ends 2027-03-31.
    assert_eq!(s.notify_expiring(date!(2026 - 12 - 30)).await.unwrap(), 0);
    assert_eq!(
        s.notify_expiring(date!(2027 - 03 - 01)).await.unwrap(),
        2,
        "both applicants"
    );
    assert_eq!(
        s.notify_expiring(date!(2027 - 03 - 02)).await.unwrap(),
        0,
        "once"
    );
    let told = s.notifications(&f.applicant2, false, 1, 10).await.unwrap();
    assert_eq!(told.items[0].kind, NoticeKind::Expiring);
    assert!(
        told.items[0].body.contains("あと 30 日"),
        "{}",
        told.items[0].body
    );
    assert_eq!(told.items[0].link, format!("/ledger/{id}"));
    assert!(
        kinds(&f, &f.approver)
            .await
            .iter()
            .all(|k| *k != NoticeKind::Expiring)
    );
    assert_eq!(s.notify_expiring(date!(2027 - 04 - 01)).await.unwrap(), 2);
    assert_eq!(s.notify_expiring(date!(2027 - 04 - 02)).await.unwrap(), 0);
    // Extended, it is told again before its new end; abolished, never again.
    s.extend_ledger(&f.approver, id, 1, date!(2028 - 03 - 31), "1年延長")
        .await
        .unwrap();
    assert_eq!(s.notify_expiring(date!(2028 - 01 - 31)).await.unwrap(), 2);
    s.abolish_ledger(&f.approver, id, 2, date!(2028 - 02 - 01), "利用終了")
        .await
        .unwrap();
    assert_eq!(s.notify_expiring(date!(2028 - 04 - 30)).await.unwrap(), 0);
});

both!(mail_goes_only_where_wanted_and_is_claimed_once, |f| {
    let s = &f.store;
    assert!(matches!(
        s.set_mail_settings(&f.approver, "鈴木@example", MailMode::Each)
            .await,
        Err(StoreError::Rejected(_))
    ));
    s.set_mail_settings(&f.approver, " suzuki@example.lg.jp ", MailMode::Each)
        .await
        .unwrap();
    s.set_mail_settings(&f.approver2, "ito@example.lg.jp", MailMode::Digest)
        .await
        .unwrap();
    s.set_mail_settings(&f.ciso, "sato@example.lg.jp", MailMode::Off)
        .await
        .unwrap();
    assert_eq!(
        s.mail_settings(&f.approver).await.unwrap().email,
        "suzuki@example.lg.jp"
    );
    submitted(&f, APPROVABLE).await;
    submitted(&f, NEEDS_CISO).await;
    // Before the daily time: the approver's two each by itself, nothing of the digest.
    let early = s.mail_due(datetime!(2000-01-01 0:00 UTC)).await.unwrap();
    assert_eq!(early.len(), 4, "{early:?}");
    assert!(
        early
            .iter()
            .all(|j| j.email == "suzuki@example.lg.jp" && !j.digest)
    );
    let now = time::OffsetDateTime::now_utc() + time::Duration::minutes(1);
    let due = s.mail_due(now).await.unwrap();
    let digest = due.iter().find(|j| j.digest).unwrap();
    assert_eq!((digest.login.as_str(), digest.notices.len()), ("ito", 4));
    assert_eq!(due.len(), 5, "the CISO wanted none");
    // Two senders: only one claims a mail; the other leaves it.
    let job = &due[0];
    assert!(s.claim_mail(job).await.unwrap());
    assert!(!s.claim_mail(job).await.unwrap());
    s.finish_mail(job, &MailOutcome::Sent).await.unwrap();
    assert!(!s.claim_mail(job).await.unwrap(), "sent is sent");
    // A digest is claimed whole or not at all.
    let mut partial = digest.clone();
    partial.notices.truncate(2);
    assert!(s.claim_mail(&partial).await.unwrap());
    assert!(
        !s.claim_mail(digest).await.unwrap(),
        "two of its four are claimed"
    );
    let states = s.mail_counts().await.unwrap();
    let count = |state: &str| {
        states
            .iter()
            .find(|(s, _)| s == state)
            .map_or(0, |(_, n)| *n)
    };
    assert_eq!(count("sent"), 1);
    assert_eq!(count("none"), 1, "the CISO's");
});

both!(a_mail_left_sending_is_never_sent_again_by_itself, |f| {
    let s = &f.store;
    s.set_mail_settings(&f.approver, "suzuki@example.lg.jp", MailMode::Each)
        .await
        .unwrap();
    let (app, _) = draft(&f, APPROVABLE).await;
    s.act(
        &f.applicant,
        &CATALOG,
        app.id,
        Action::StartPreConsultation,
        "",
        None,
    )
    .await
    .unwrap();
    let due = s.mail_due(time::OffsetDateTime::now_utc()).await.unwrap();
    let job = due.iter().find(|j| j.login == "suzuki").unwrap().clone();
    // The sender claimed it and was killed before it heard back from the relay.
    assert!(s.claim_mail(&job).await.unwrap());
    let again = s.mail_due(time::OffsetDateTime::now_utc()).await.unwrap();
    assert!(again.iter().all(|j| j.login != "suzuki"), "not due again");
    let uncertain = s.uncertain_mail().await.unwrap();
    assert_eq!(uncertain.len(), 1);
    assert_eq!(uncertain[0].login, "suzuki");
    // A person checked the relay's log and released it: due once more.
    assert_eq!(s.release_uncertain_mail().await.unwrap(), 1);
    let released = s.mail_due(time::OffsetDateTime::now_utc()).await.unwrap();
    assert!(released.iter().any(|j| j.ids() == job.ids()));
    // A relay's temporary refusal leaves it due; a permanent one, failed for good.
    assert!(s.claim_mail(&job).await.unwrap());
    s.finish_mail(&job, &MailOutcome::Retry("421 混雑".to_owned()))
        .await
        .unwrap();
    assert!(s.claim_mail(&job).await.unwrap());
    s.finish_mail(&job, &MailOutcome::Failed("550 宛先不明".to_owned()))
        .await
        .unwrap();
    assert!(
        s.mail_due(time::OffsetDateTime::now_utc())
            .await
            .unwrap()
            .iter()
            .all(|j| j.login != "suzuki")
    );
    // Turning mail off stops what is still due.
    s.set_mail_settings(&f.approver, "suzuki@example.lg.jp", MailMode::Each)
        .await
        .unwrap();
    submitted(&f, APPROVABLE).await;
    s.set_mail_settings(&f.approver, "", MailMode::Each)
        .await
        .unwrap();
    assert_eq!(s.mail_unwanted().await.unwrap(), 2);
    assert!(
        s.mail_due(time::OffsetDateTime::now_utc())
            .await
            .unwrap()
            .is_empty()
    );
});
