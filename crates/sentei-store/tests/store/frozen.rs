//! What was approved stays approved (issue #11): submission pins the assessment version and its
//! judgement, approval records exactly that, and a later change of the assessment shows as a
//! change after approval that takes effect only through a change application.

use sentei_core::judgement::{Role, Verdict};
use sentei_core::ledger::ChangeKind;
use sentei_core::workflow::{Action, Kind as AppKind, Refusal, Status};
use sentei_store::{ApplicationView, LedgerQuery, NewApplication, StoreError};
use time::macros::date;

use crate::both;
use crate::harness::{CATALOG, Fixture};
use crate::steps::{assessment, service};

/// 周南市: the service is on the ISMAP list, but its backups are kept abroad: item 18 (推奨)
/// is unmet with a reason, so 条件付きで承認可能, on the approver's acceptance.
const CONDITIONAL: &str = "profile: shunan-2023
service: { name: x, provider: y }
facts: { classification: \"2\", certifications: [ismap, csp_iso27001, csp_iso27017] }
answers:
  default: met
  items:
    \"18\": { status: unmet, reason: バックアップの複製が国外のデータセンターにも保存されるため }
";

/// Version 2: the vendor's evidence added to item 19.
const WITH_EVIDENCE: &str = "profile: shunan-2023
service: { name: x, provider: y }
facts: { classification: \"2\", certifications: [ismap, csp_iso27001, csp_iso27017] }
answers:
  default: met
  items:
    \"18\": { status: unmet, reason: バックアップの複製が国外のデータセンターにも保存されるため }
    \"19\": { status: met, evidence: 利用規約 第20条 }
";

/// The edited check sheet read in after approval: item 18 now met.
const EDITED_SHEET: &str = "profile: shunan-2023
service: { name: x, provider: y }
facts: { classification: \"2\", certifications: [ismap, csp_iso27001, csp_iso27017] }
answers:
  default: met
  items:
    \"18\": { status: met, evidence: 国内のみで保管する旨の確認書 }
    \"19\": { status: met, evidence: 利用規約 第20条 }
";

const ACCEPTANCE: &str = "庁内の問い合わせ情報に限って扱い、代替策がないことを確認しました";

/// The applicant asks, the approver answers 協議済, the applicant applies (周南市基準 5(2)①).
async fn consult_and_submit(f: &Fixture, id: i64) {
    let s = &f.store;
    s.act(
        &f.applicant,
        &CATALOG,
        id,
        Action::StartPreConsultation,
        "ご確認ください",
        None,
    )
    .await
    .unwrap();
    s.act(
        &f.approver,
        &CATALOG,
        id,
        Action::ConcludeConsultation,
        "内容を確認しました",
        None,
    )
    .await
    .unwrap();
    s.act(&f.applicant, &CATALOG, id, Action::Submit, "", None)
        .await
        .unwrap();
}

/// Approved as 条件付きで承認可能 at assessment version 2 with the approver's acceptance.
async fn approved_at_version_2(f: &Fixture) -> (ApplicationView, i64, i64) {
    let service = service(f, "住民向けチャットボット").await;
    let first = assessment(f, &service, CONDITIONAL).await;
    let second = f
        .store
        .save_assessment(&f.applicant, &CATALOG, first.id, 1, WITH_EVIDENCE)
        .await
        .unwrap();
    assert_eq!(
        (second.version, second.verdict.as_str()),
        (2, "conditional")
    );
    let app = f
        .store
        .create_application(
            &f.applicant,
            NewApplication {
                service_id: service.id,
                assessment_id: first.id,
                purpose: "市民からの問い合わせへの自動応答".to_owned(),
                user_scope: "市民課".to_owned(),
                period_start: date!(2026 - 04 - 01),
                period_end: date!(2027 - 03 - 31),
                kind: AppKind::New,
                ledger_entry_id: None,
            },
        )
        .await
        .unwrap();
    consult_and_submit(f, app.id).await;
    f.store
        .accept(&f.approver, &CATALOG, app.id, ACCEPTANCE)
        .await
        .unwrap();
    let approved = f
        .store
        .act(
            &f.approver,
            &CATALOG,
            app.id,
            Action::Approve,
            "承認します",
            Some(2),
        )
        .await
        .unwrap();
    assert_eq!(approved.status, Status::Approved);
    let entry = f
        .store
        .ledger(&f.auditor, &LedgerQuery::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|e| e.application_id == Some(app.id))
        .unwrap();
    (approved, first.id, entry.id)
}

both!(
    an_approval_keeps_what_was_approved_when_the_sheet_is_edited_later,
    |f| {
        let (app, assessment_id, entry_id) = approved_at_version_2(&f).await;
        // The applicant reads an edited check sheet into the same assessment.
        let edited = f
            .store
            .save_assessment(&f.applicant, &CATALOG, assessment_id, 2, EDITED_SHEET)
            .await
            .unwrap();
        assert_eq!((edited.version, edited.verdict.as_str()), (3, "approvable"));

        // The application still shows version 2, 条件付きで承認可能, and the acceptance.
        let review = f.store.review(&f.auditor, &CATALOG, app.id).await.unwrap();
        assert_eq!(review.application.status, Status::Approved);
        assert_eq!(review.assessment_version, 2);
        assert_eq!(review.verdict, Verdict::Conditional);
        assert!(review.required_approvals.contains(Role::Approver));
        assert_eq!(review.acceptances.len(), 1);
        assert_eq!(review.acceptances[0].reason, ACCEPTANCE);
        assert_eq!(review.acceptances[0].assessment_version, 2);
        assert!(
            review
                .reasons
                .iter()
                .any(|r| r.contains("例外の承認が必要"))
        );
        // …with the answers of version 2, and a note that the assessment changed after approval.
        let judged: serde_json::Value = serde_json::from_str(&review.judgement).unwrap();
        let item_18 = judged["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == "18")
            .unwrap();
        assert_eq!(item_18["answer"], "unmet");
        assert_eq!(
            item_18["reason"],
            "バックアップの複製が国外のデータセンターにも保存されるため"
        );
        assert_eq!(
            review.document.as_ref().unwrap()["answers"]["items"]["19"]["evidence"],
            "利用規約 第20条"
        );
        assert!(review.changed_since_pinned);
        assert_eq!(review.current_assessment_version, 3);
        assert_eq!(review.current_verdict, Verdict::Approvable);
        let pinned = review.application.pinned.as_ref().unwrap();
        assert_eq!(
            (
                pinned.assessment_version,
                pinned.verdict,
                pinned.profile_id.as_str()
            ),
            (2, Verdict::Conditional, "shunan-2023")
        );

        // The ledger entry still records the approval as it was.
        let entry = f.store.ledger_entry(&f.auditor, entry_id).await.unwrap();
        assert_eq!(entry.verdict, "conditional");
        assert_eq!(entry.application_id, Some(app.id));

        // The difference, fact by fact and answer by answer.
        let changes = f
            .store
            .changes_since_pinned(&f.auditor, &CATALOG, app.id)
            .await
            .unwrap();
        assert_eq!((changes.pinned_version, changes.current_version), (2, 3));
        let found: Vec<(&str, &str, &str)> = changes
            .differences
            .iter()
            .map(|d| (d.subject.as_str(), d.before.as_str(), d.after.as_str()))
            .collect();
        assert_eq!(found[0], ("判定", "条件付きで承認可能", "承認可能"));
        assert_eq!(
            found[1..],
            [(
                "項目 18",
                "満たさない（理由: バックアップの複製が国外のデータセンターにも保存されるため）",
                "満たす（根拠: 国内のみで保管する旨の確認書）"
            )],
            "nothing else changed"
        );
    }
);

both!(
    a_change_after_approval_takes_effect_through_a_change_application,
    |f| {
        let (app, assessment_id, entry_id) = approved_at_version_2(&f).await;
        f.store
            .save_assessment(&f.applicant, &CATALOG, assessment_id, 2, EDITED_SHEET)
            .await
            .unwrap();
        let entry = f.store.ledger_entry(&f.applicant, entry_id).await.unwrap();
        let change = f
            .store
            .create_application(
                &f.applicant,
                NewApplication {
                    service_id: app.service_id,
                    assessment_id,
                    purpose: entry.fields.purpose.clone(),
                    user_scope: "市民課・子育て支援課".to_owned(),
                    period_start: entry.fields.period_start,
                    period_end: entry.fields.period_end,
                    kind: AppKind::Change,
                    ledger_entry_id: Some(entry_id),
                },
            )
            .await
            .unwrap();
        assert_eq!(change.kind, AppKind::Change);
        consult_and_submit(&f, change.id).await;
        let unchanged = f.store.ledger_entry(&f.auditor, entry_id).await.unwrap();
        assert_eq!(
            unchanged.fields.user_scope, "市民課",
            "nothing until approved"
        );
        f.store
            .act(
                &f.approver,
                &CATALOG,
                change.id,
                Action::Approve,
                "",
                Some(3),
            )
            .await
            .unwrap();

        let changed = f.store.ledger_entry(&f.auditor, entry_id).await.unwrap();
        assert_eq!(changed.fields.user_scope, "市民課・子育て支援課");
        assert_eq!(changed.verdict, "approvable");
        assert_eq!(changed.application_id, Some(change.id));
        let history = f.store.ledger_history(&f.auditor, entry_id).await.unwrap();
        let kinds: Vec<(ChangeKind, Option<i64>)> =
            history.iter().map(|v| (v.kind, v.application_id)).collect();
        assert_eq!(
            kinds,
            [
                (ChangeKind::Registered, Some(app.id)),
                (ChangeKind::Changed, Some(change.id))
            ]
        );
        // The first approval is unchanged: version 2, conditional, its acceptance.
        let first = f.store.review(&f.auditor, &CATALOG, app.id).await.unwrap();
        assert_eq!(
            (first.assessment_version, first.verdict),
            (2, Verdict::Conditional)
        );
        let ledger = f
            .store
            .ledger(&f.auditor, &LedgerQuery::default())
            .await
            .unwrap();
        assert_eq!(ledger.total, 1, "a change makes no second entry");
        assert!(f.store.verify_audit(None).await.unwrap()[0].result.is_ok());
    }
);

both!(
    a_renewal_extends_the_period_through_the_same_approval,
    |f| {
        let (app, assessment_id, entry_id) = approved_at_version_2(&f).await;
        let renewal = |end| NewApplication {
            service_id: app.service_id,
            assessment_id,
            purpose: app.purpose.clone(),
            user_scope: app.user_scope.clone(),
            period_start: app.period_start,
            period_end: end,
            kind: AppKind::Renewal,
            ledger_entry_id: Some(entry_id),
        };
        let earlier = f
            .store
            .create_application(&f.applicant, renewal(date!(2027 - 03 - 31)))
            .await
            .unwrap_err();
        assert_eq!(
            earlier.to_string(),
            "延長後の終了日（2027-03-31）は現在の終了日（2027-03-31）より後にしてください"
        );
        let renewed = f
            .store
            .create_application(&f.applicant, renewal(date!(2028 - 03 - 31)))
            .await
            .unwrap();
        consult_and_submit(&f, renewed.id).await;
        // Conditional still: the approver accepts again, for this application.
        let refused = f
            .store
            .act(
                &f.approver,
                &CATALOG,
                renewed.id,
                Action::Approve,
                "",
                Some(2),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                refused,
                StoreError::Refused(Refusal::MissingAcceptance { .. })
            ),
            "{refused}"
        );
        f.store
            .accept(&f.approver, &CATALOG, renewed.id, "引き続き代替策がない")
            .await
            .unwrap();
        f.store
            .act(
                &f.approver,
                &CATALOG,
                renewed.id,
                Action::Approve,
                "",
                Some(2),
            )
            .await
            .unwrap();
        let entry = f.store.ledger_entry(&f.auditor, entry_id).await.unwrap();
        assert_eq!(entry.fields.period_end, date!(2028 - 03 - 31));
        let history = f.store.ledger_history(&f.auditor, entry_id).await.unwrap();
        assert_eq!(history.last().unwrap().kind, ChangeKind::Renewed);
        assert_eq!(
            f.store
                .applications_for_entry(&f.auditor, entry_id)
                .await
                .unwrap()
                .iter()
                .map(|a| a.id)
                .collect::<Vec<_>>(),
            [renewed.id]
        );
    }
);

both!(
    a_required_consultation_is_answered_and_kept_in_the_history,
    |f| {
        let service = service(&f, "施設予約サービス").await;
        let first = assessment(&f, &service, CONDITIONAL).await;
        let s = &f.store;
        let app = s
            .create_application(
                &f.applicant,
                NewApplication {
                    service_id: service.id,
                    assessment_id: first.id,
                    purpose: "施設の予約受付".to_owned(),
                    user_scope: "生涯学習課".to_owned(),
                    period_start: date!(2026 - 04 - 01),
                    period_end: date!(2027 - 03 - 31),
                    kind: AppKind::New,
                    ledger_entry_id: None,
                },
            )
            .await
            .unwrap();
        let act = |actor, action, comment| s.act(actor, &CATALOG, app.id, action, comment, None);
        let direct = act(&f.applicant, Action::Submit, "").await.unwrap_err();
        assert!(
            matches!(direct, StoreError::Refused(Refusal::ConsultationRequired)),
            "{direct}"
        );
        act(&f.applicant, Action::StartPreConsultation, "ご確認ください")
            .await
            .unwrap();
        let revise = act(
            &f.approver,
            Action::RequestRevision,
            "項目 19 の根拠を添えてください",
        )
        .await
        .unwrap();
        assert_eq!(revise.status, Status::Draft);
        let saved = s
            .save_assessment(&f.applicant, &CATALOG, first.id, 1, WITH_EVIDENCE)
            .await
            .unwrap();
        act(
            &f.applicant,
            Action::StartPreConsultation,
            "根拠を添えました",
        )
        .await
        .unwrap();
        let consulted = act(&f.approver, Action::ConcludeConsultation, "協議済です")
            .await
            .unwrap();
        assert_eq!(consulted.status, Status::Consulted);
        // A change after the 協議済 answer needs another consultation.
        s.save_assessment(&f.applicant, &CATALOG, first.id, saved.version, CONDITIONAL)
            .await
            .unwrap();
        let stale = act(&f.applicant, Action::Submit, "").await.unwrap_err();
        assert!(
            matches!(
                stale,
                StoreError::Refused(Refusal::ConsultationStale {
                    consulted: 2,
                    current: 3
                })
            ),
            "{stale}"
        );
        act(
            &f.applicant,
            Action::StartPreConsultation,
            "項目 19 を戻しました",
        )
        .await
        .unwrap();
        act(&f.approver, Action::ConcludeConsultation, "")
            .await
            .unwrap();
        let submitted = act(&f.applicant, Action::Submit, "").await.unwrap();
        assert_eq!(submitted.status, Status::Submitted);
        assert_eq!(submitted.pinned.unwrap().assessment_version, 3);

        let events = s.application_events(&f.auditor, app.id).await.unwrap();
        let exchange: Vec<(&str, &str, i64)> = events
            .iter()
            .map(|e| (e.action.as_str(), e.comment.as_str(), e.assessment_version))
            .collect();
        assert_eq!(
            exchange,
            [
                ("start_pre_consultation", "ご確認ください", 1),
                ("request_revision", "項目 19 の根拠を添えてください", 1),
                ("start_pre_consultation", "根拠を添えました", 2),
                ("conclude_consultation", "協議済です", 2),
                ("start_pre_consultation", "項目 19 を戻しました", 3),
                ("conclude_consultation", "", 3),
                ("submit", "", 3),
            ]
        );
    }
);
