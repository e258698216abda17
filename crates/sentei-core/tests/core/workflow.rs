//! The workflow rules, tested as a table: every status × action × role × ownership, then each
//! rule that guards submission and approval on its own, so removing any rule fails a test.

use sentei_core::judgement::{Approvals, Role, Verdict};
use sentei_core::workflow::{
    Acceptance, Action, Application, Judged, Refusal, Request, Status, UserRole, available_actions,
    decide, may_accept, may_author_assessment, may_edit_assessment, missing_acceptances,
};
use sentei_core::workflow::{Deletable, may_delete};

const APPLICANT: i64 = 1;
const OTHER: i64 = 2;

fn judged(version: i64, verdict: Verdict) -> Judged {
    Judged {
        version,
        verdict,
        required_approvals: Approvals::of(&[Role::Approver]),
        profile_current: true,
    }
}

/// An application at version 3 of its assessment, pinned there once submitted, under a
/// profile whose pre-consultation is optional.
fn application(status: Status) -> Application<'static> {
    let submitted = matches!(
        status,
        Status::Submitted | Status::Approved | Status::Rejected
    );
    Application {
        status,
        applicant_id: APPLICANT,
        current: judged(3, Verdict::Approvable),
        pinned: submitted.then(|| judged(3, Verdict::Approvable)),
        consultation_required: false,
        consulted_version: None,
        acceptances: &[],
    }
}

fn request(actor_id: i64, actor_role: UserRole, action: Action) -> Request<'static> {
    Request {
        actor_id,
        actor_role,
        action,
        comment: "確認しました",
        seen_assessment_version: Some(3),
    }
}

/// The allowed transitions, written out: (from, action, role, actor is the applicant) -> to.
/// Re-submission is left out: it needs a changed assessment (tested on its own).
const ALLOWED: [(Status, Action, UserRole, bool, Status); 11] = [
    (
        Status::Draft,
        Action::StartPreConsultation,
        UserRole::Applicant,
        true,
        Status::PreConsultation,
    ),
    (
        Status::Consulted,
        Action::StartPreConsultation,
        UserRole::Applicant,
        true,
        Status::PreConsultation,
    ),
    (
        Status::PreConsultation,
        Action::ConcludeConsultation,
        UserRole::Approver,
        false,
        Status::Consulted,
    ),
    (
        Status::PreConsultation,
        Action::RequestRevision,
        UserRole::Approver,
        false,
        Status::Draft,
    ),
    (
        Status::Draft,
        Action::Submit,
        UserRole::Applicant,
        true,
        Status::Submitted,
    ),
    (
        Status::PreConsultation,
        Action::Submit,
        UserRole::Applicant,
        true,
        Status::Submitted,
    ),
    (
        Status::Consulted,
        Action::Submit,
        UserRole::Applicant,
        true,
        Status::Submitted,
    ),
    (
        Status::Submitted,
        Action::Return,
        UserRole::Approver,
        false,
        Status::Draft,
    ),
    (
        Status::Submitted,
        Action::Approve,
        UserRole::Approver,
        false,
        Status::Approved,
    ),
    (
        Status::Submitted,
        Action::Reject,
        UserRole::Approver,
        false,
        Status::Rejected,
    ),
    (
        Status::Submitted,
        Action::Resubmit,
        UserRole::Applicant,
        true,
        Status::Submitted,
    ),
];

#[test]
fn the_transition_table() {
    let mut checked = 0;
    for status in Status::ALL {
        for action in Action::ALL {
            for role in UserRole::ALL {
                for own in [true, false] {
                    let actor = if own { APPLICANT } else { OTHER };
                    let expected = ALLOWED
                        .iter()
                        .filter(|t| t.1 != Action::Resubmit)
                        .find(|(s, a, r, o, _)| {
                            *s == status && *a == action && *r == role && *o == own
                        })
                        .map(|t| t.4);
                    let actual = decide(&application(status), &request(actor, role, action)).ok();
                    assert_eq!(
                        actual, expected,
                        "{status:?} {action:?} by {role:?} (own: {own})"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 6 * 8 * 5 * 2);
}

#[test]
fn approved_and_rejected_are_final() {
    for status in [Status::Approved, Status::Rejected] {
        for role in UserRole::ALL {
            assert!(available_actions(&application(status), OTHER, role).is_empty());
            assert!(available_actions(&application(status), APPLICANT, role).is_empty());
        }
    }
}

#[test]
fn nobody_approves_their_own_application() {
    // An approver who applied (as the applicant of record) cannot review it.
    let app = application(Status::Submitted);
    for action in [Action::Approve, Action::Reject, Action::Return] {
        let refusal = decide(&app, &request(APPLICANT, UserRole::Approver, action)).unwrap_err();
        assert!(
            matches!(refusal, Refusal::OwnApplication { .. }),
            "{action:?}: {refusal}"
        );
    }
    assert_eq!(
        decide(&app, &request(OTHER, UserRole::Approver, Action::Approve)),
        Ok(Status::Approved)
    );
}

#[test]
fn prohibited_not_approvable_and_incomplete_are_never_approved() {
    for verdict in [
        Verdict::Prohibited,
        Verdict::NotApprovable,
        Verdict::Incomplete,
    ] {
        let app = Application {
            current: judged(3, verdict),
            pinned: Some(judged(3, verdict)),
            ..application(Status::Submitted)
        };
        for role in UserRole::ALL {
            for actor in [APPLICANT, OTHER] {
                assert!(
                    decide(&app, &request(actor, role, Action::Approve)).is_err(),
                    "{verdict:?} by {role:?}"
                );
            }
        }
        assert_eq!(
            decide(&app, &request(OTHER, UserRole::Approver, Action::Approve)),
            Err(Refusal::VerdictBlocksApproval { verdict })
        );
    }
}

#[test]
fn submission_needs_a_judgement_that_could_be_approved() {
    for verdict in [
        Verdict::Prohibited,
        Verdict::NotApprovable,
        Verdict::Incomplete,
    ] {
        let app = Application {
            current: judged(3, verdict),
            ..application(Status::PreConsultation)
        };
        assert_eq!(
            decide(
                &app,
                &request(APPLICANT, UserRole::Applicant, Action::Submit)
            ),
            Err(Refusal::VerdictBlocksSubmission { verdict })
        );
    }
    let conditional = Application {
        current: judged(3, Verdict::Conditional),
        ..application(Status::PreConsultation)
    };
    assert_eq!(
        decide(
            &conditional,
            &request(APPLICANT, UserRole::Applicant, Action::Submit)
        ),
        Ok(Status::Submitted)
    );
}

fn conditional<'a>(required: &[Role], acceptances: &'a [Acceptance]) -> Application<'a> {
    let judged = Judged {
        verdict: Verdict::Conditional,
        required_approvals: Approvals::of(required),
        ..judged(3, Verdict::Conditional)
    };
    Application {
        current: judged,
        pinned: Some(judged),
        acceptances,
        ..application(Status::Submitted)
    }
}

fn accepted(role: Role, version: i64, reason: &str) -> Acceptance {
    Acceptance {
        role,
        user_id: OTHER,
        reason: reason.to_owned(),
        assessment_version: version,
    }
}

#[test]
fn conditional_needs_every_required_acceptance_with_a_reason() {
    let approve = request(OTHER, UserRole::Approver, Action::Approve);
    let both = [Role::Approver, Role::Ciso];
    assert_eq!(
        decide(&conditional(&both, &[]), &approve),
        Err(Refusal::MissingAcceptance {
            role: Role::Approver
        })
    );
    let only_approver = [accepted(Role::Approver, 3, "代替サービスがない")];
    assert_eq!(
        decide(&conditional(&both, &only_approver), &approve),
        Err(Refusal::MissingAcceptance { role: Role::Ciso })
    );
    let blank = [
        accepted(Role::Approver, 3, "代替サービスがない"),
        accepted(Role::Ciso, 3, "  "),
    ];
    assert_eq!(
        decide(&conditional(&both, &blank), &approve),
        Err(Refusal::MissingAcceptance { role: Role::Ciso })
    );
    let old = [
        accepted(Role::Approver, 3, "理由"),
        accepted(Role::Ciso, 2, "前の版への受容"),
    ];
    assert_eq!(
        decide(&conditional(&both, &old), &approve),
        Err(Refusal::MissingAcceptance { role: Role::Ciso }),
        "an acceptance of an earlier version does not count"
    );
    let all = [
        accepted(Role::Approver, 3, "理由"),
        accepted(Role::Ciso, 3, "ISMS 認証の範囲を確認した"),
    ];
    assert_eq!(
        decide(&conditional(&both, &all), &approve),
        Ok(Status::Approved)
    );
}

#[test]
fn approval_refuses_what_changed_since_the_reviewer_looked() {
    let app = application(Status::Submitted);
    let mut stale = request(OTHER, UserRole::Approver, Action::Approve);
    stale.seen_assessment_version = Some(2);
    assert_eq!(
        decide(&app, &stale),
        Err(Refusal::Stale {
            seen: 2,
            current: 3
        })
    );
    stale.seen_assessment_version = None;
    assert_eq!(decide(&app, &stale), Err(Refusal::VersionNotShown));
    let revised = Application {
        pinned: Some(Judged {
            profile_current: false,
            ..judged(3, Verdict::Approvable)
        }),
        ..application(Status::Submitted)
    };
    assert_eq!(
        decide(
            &revised,
            &request(OTHER, UserRole::Approver, Action::Approve)
        ),
        Err(Refusal::ProfileRevised)
    );
}

#[test]
fn returning_and_rejecting_need_a_comment() {
    for action in [Action::Return, Action::Reject] {
        let mut r = request(OTHER, UserRole::Approver, action);
        r.comment = " ";
        assert_eq!(
            decide(&application(Status::Submitted), &r),
            Err(Refusal::CommentRequired { action })
        );
    }
}

#[test]
fn acceptances_are_recorded_by_the_right_role_with_a_reason_once() {
    let app = conditional(&[Role::Approver, Role::Ciso], &[]);
    assert_eq!(
        may_accept(&app, OTHER, UserRole::Ciso, Role::Ciso, "理由"),
        Ok(())
    );
    assert_eq!(
        may_accept(&app, OTHER, UserRole::Approver, Role::Approver, "理由"),
        Ok(())
    );
    assert!(matches!(
        may_accept(&app, OTHER, UserRole::Approver, Role::Ciso, "理由"),
        Err(Refusal::RoleCannot { .. })
    ));
    assert!(matches!(
        may_accept(&app, OTHER, UserRole::Applicant, Role::Approver, "理由"),
        Err(Refusal::RoleCannot { .. })
    ));
    assert_eq!(
        may_accept(&app, OTHER, UserRole::Ciso, Role::Ciso, " "),
        Err(Refusal::ReasonRequired)
    );
    assert!(matches!(
        may_accept(&app, APPLICANT, UserRole::Ciso, Role::Ciso, "理由"),
        Err(Refusal::OwnApplication { .. })
    ));
    let done = [accepted(Role::Ciso, 3, "理由")];
    assert_eq!(
        may_accept(
            &conditional(&[Role::Ciso], &done),
            OTHER,
            UserRole::Ciso,
            Role::Ciso,
            "理由"
        ),
        Err(Refusal::AlreadyAccepted { role: Role::Ciso })
    );
    let approver_only = conditional(&[Role::Approver], &[]);
    assert_eq!(
        may_accept(&approver_only, OTHER, UserRole::Ciso, Role::Ciso, "理由"),
        Err(Refusal::AcceptanceNotNeeded { role: Role::Ciso })
    );
    let draft = Application {
        status: Status::Draft,
        ..app.clone()
    };
    assert!(matches!(
        may_accept(&draft, OTHER, UserRole::Ciso, Role::Ciso, "理由"),
        Err(Refusal::WrongStatus { .. })
    ));
}

#[test]
fn assessments_are_edited_by_their_department_only_and_never_frozen() {
    let dept = "情報政策課";
    // Any change makes a new version that a submitted application does not follow.
    assert_eq!(may_edit_assessment(UserRole::Applicant, dept, dept), Ok(()));
    // The reviewer reviews and does not author, even in its own department.
    for role in [
        UserRole::Approver,
        UserRole::Ciso,
        UserRole::Auditor,
        UserRole::Admin,
    ] {
        assert_eq!(
            may_edit_assessment(role, dept, dept),
            Err(Refusal::CannotEdit { role })
        );
    }
}

#[test]
fn issue_12_an_assessment_is_written_by_its_own_department_only() {
    let refused = may_edit_assessment(UserRole::Applicant, "税務課", "情報政策課");
    assert_eq!(
        refused,
        Err(Refusal::OtherDepartment {
            owner: "情報政策課".to_owned()
        })
    );
    assert_eq!(
        refused.unwrap_err().to_string(),
        "この評価は情報政策課の評価です。編集できるのは情報政策課の情報セキュリティ管理者だけです"
    );
    assert_eq!(
        may_author_assessment(UserRole::Applicant, " 情報政策課", "情報政策課 "),
        Ok(())
    );
    assert_eq!(
        may_author_assessment(UserRole::Approver, "情報政策課", "情報政策課"),
        Err(Refusal::CannotEdit {
            role: UserRole::Approver
        })
    );
}

/// The application after its assessment moved on from the pinned version 3 to 4.
fn changed_after_submission<'a>(acceptances: &'a [Acceptance]) -> Application<'a> {
    Application {
        current: judged(4, Verdict::Approvable),
        acceptances,
        ..conditional(&[Role::Approver], acceptances)
    }
}

#[test]
fn nothing_is_decided_on_a_pinned_version_the_assessment_has_moved_on_from() {
    let accepted = [accepted(Role::Approver, 3, "代替サービスがない")];
    let app = changed_after_submission(&accepted);
    assert!(app.changed_since_pinned());
    let changed = Err(Refusal::ChangedSinceSubmission {
        submitted: 3,
        current: 4,
    });
    for action in [Action::Approve, Action::Reject] {
        assert_eq!(
            decide(&app, &request(OTHER, UserRole::Approver, action)),
            changed,
            "{action:?}"
        );
    }
    assert_eq!(
        may_accept(&app, OTHER, UserRole::Ciso, Role::Ciso, "理由"),
        changed.map(|_| ())
    );
    // What the approver may still do: return it. What the applicant may do: re-submit.
    assert_eq!(
        available_actions(&app, OTHER, UserRole::Approver),
        [Action::Return]
    );
    assert_eq!(
        available_actions(&app, APPLICANT, UserRole::Applicant),
        [Action::Resubmit]
    );
    // Unchanged, there is nothing to re-submit.
    assert_eq!(
        decide(
            &conditional(&[Role::Approver], &accepted),
            &request(APPLICANT, UserRole::Applicant, Action::Resubmit)
        ),
        Err(Refusal::NothingToResubmit)
    );
}

#[test]
fn resubmission_pins_a_version_that_could_be_approved() {
    let app = Application {
        current: judged(4, Verdict::Incomplete),
        ..changed_after_submission(&[])
    };
    assert_eq!(
        decide(
            &app,
            &request(APPLICANT, UserRole::Applicant, Action::Resubmit)
        ),
        Err(Refusal::VerdictBlocksSubmission {
            verdict: Verdict::Incomplete
        })
    );
    assert_eq!(
        decide(
            &changed_after_submission(&[]),
            &request(APPLICANT, UserRole::Applicant, Action::Resubmit)
        ),
        Ok(Status::Submitted)
    );
}

#[test]
fn approval_is_of_the_pinned_version_and_its_acceptances() {
    // Approved as pinned (conditional, version 3), whatever the assessment judged now says.
    let accepted = [accepted(Role::Approver, 3, "代替サービスがない")];
    let app = Application {
        current: judged(3, Verdict::Incomplete),
        ..conditional(&[Role::Approver], &accepted)
    };
    assert_eq!(
        decide(&app, &request(OTHER, UserRole::Approver, Action::Approve)),
        Ok(Status::Approved)
    );
}

/// An application under a profile that requires pre-consultation (周南市基準 5(2)①).
fn consulted(status: Status, consulted_version: Option<i64>) -> Application<'static> {
    Application {
        consultation_required: true,
        consulted_version,
        ..application(status)
    }
}

#[test]
fn a_required_consultation_must_be_answered_for_the_version_submitted() {
    let submit = request(APPLICANT, UserRole::Applicant, Action::Submit);
    for status in [Status::Draft, Status::PreConsultation] {
        assert_eq!(
            decide(&consulted(status, None), &submit),
            Err(Refusal::ConsultationRequired),
            "{status:?}"
        );
    }
    assert_eq!(
        decide(&consulted(Status::Consulted, Some(2)), &submit),
        Err(Refusal::ConsultationStale {
            consulted: 2,
            current: 3
        })
    );
    assert_eq!(
        decide(&consulted(Status::Consulted, Some(3)), &submit),
        Ok(Status::Submitted)
    );
    // After a change, the applicant asks again; the approver answers.
    let stale = consulted(Status::Consulted, Some(2));
    assert_eq!(
        available_actions(&stale, APPLICANT, UserRole::Applicant),
        [Action::StartPreConsultation]
    );
    let asked = consulted(Status::PreConsultation, Some(2));
    assert_eq!(
        available_actions(&asked, OTHER, UserRole::Approver),
        [Action::ConcludeConsultation, Action::RequestRevision]
    );
    assert!(available_actions(&asked, APPLICANT, UserRole::Applicant).is_empty());
    let mut revise = request(OTHER, UserRole::Approver, Action::RequestRevision);
    revise.comment = "";
    assert_eq!(
        decide(&asked, &revise),
        Err(Refusal::CommentRequired {
            action: Action::RequestRevision
        })
    );
}

#[test]
fn an_optional_consultation_may_be_skipped() {
    let submit = request(APPLICANT, UserRole::Applicant, Action::Submit);
    for status in [Status::Draft, Status::PreConsultation, Status::Consulted] {
        assert_eq!(decide(&application(status), &submit), Ok(Status::Submitted));
    }
}

#[test]
fn refusals_read_as_plain_japanese() {
    let refusal = decide(
        &application(Status::Draft),
        &request(OTHER, UserRole::Approver, Action::Approve),
    )
    .unwrap_err();
    assert_eq!(refusal.to_string(), "「下書き」の申請には承認を行えません");
    let refusal = decide(
        &application(Status::Draft),
        &request(OTHER, UserRole::Auditor, Action::Approve),
    )
    .unwrap_err();
    assert_eq!(refusal.to_string(), "監査担当者は承認を行えません");
}

/// The approver's desk says which acceptances are still missing, all of them at once, by the
/// same rule that refuses the approval (issue 13).
#[test]
fn the_missing_acceptances_are_those_that_refuse_approval() {
    let both = [Role::Approver, Role::Ciso];
    assert_eq!(missing_acceptances(&conditional(&both, &[])), both.to_vec());
    let old = [
        accepted(Role::Approver, 3, "理由"),
        accepted(Role::Ciso, 2, "前の版への承認"),
    ];
    assert_eq!(
        missing_acceptances(&conditional(&both, &old)),
        vec![Role::Ciso]
    );
    let all = [
        accepted(Role::Approver, 3, "理由"),
        accepted(Role::Ciso, 3, "理由"),
    ];
    assert!(missing_acceptances(&conditional(&both, &all)).is_empty());
    assert!(
        missing_acceptances(&application(Status::Submitted)).is_empty(),
        "an approvable judgement needs no acceptance"
    );
}

/// Drafts and unused services are deleted by their department's information security
/// managers or by the system administrator; nobody else (issue 13).
#[test]
fn drafts_and_unused_services_are_deleted_by_their_department_or_the_administrator() {
    for what in [Deletable::Draft, Deletable::UnusedService] {
        assert_eq!(
            may_delete(what, UserRole::Applicant, "市民課 ", "市民課"),
            Ok(())
        );
        assert!(matches!(
            may_delete(what, UserRole::Applicant, "税務課", "市民課"),
            Err(Refusal::DeleteOtherDepartment { .. })
        ));
        assert_eq!(
            may_delete(what, UserRole::Admin, "情報政策課", "市民課"),
            Ok(())
        );
        for role in [UserRole::Approver, UserRole::Ciso, UserRole::Auditor] {
            assert!(
                matches!(
                    may_delete(what, role, "市民課", "市民課"),
                    Err(Refusal::CannotDelete { .. })
                ),
                "{role:?}"
            );
        }
    }
}
