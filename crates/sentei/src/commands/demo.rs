//! A demonstration municipality: a user for every role and services in every state — drafts,
//! consultations, applications under review, approvals (one changed afterwards), renewals,
//! and ledger entries expiring soon, expired and abolished.
//!
//! Each service is taken through its steps with the ordinary store calls, one transaction per
//! step, and a line is printed once its last step has committed. The durability test kills this
//! command in the middle of its writes and checks that every printed service is complete.

use std::io::Write;
use std::path::Path;

use sentei_core::assessment::Catalog;
use sentei_core::workflow::{Action, Kind, UserRole};
use sentei_store::{Actor, NewApplication, NewService, NewUser, Store, StoreError};
use time::Duration;

use super::records::today_in_japan;
use super::{open, store_failure};
use crate::config::Config;
use crate::failure::Failure;
use crate::files::catalog;

/// The demo organization's code.
pub const DEMO_ORG: &str = "demo";
/// The password of every demo user. A demonstration only: never use demo data in production.
pub const DEMO_PASSWORD: &str = "sentei-demo-2026";

const USERS: [(&str, &str, &str, UserRole); 6] = [
    ("demo-applicant", "申請 花子", "市民課", UserRole::Applicant),
    (
        "demo-applicant2",
        "申込 次郎",
        "子育て支援課",
        UserRole::Applicant,
    ),
    (
        "demo-approver",
        "承認 一郎",
        "情報政策課",
        UserRole::Approver,
    ),
    ("demo-ciso", "統括 三郎", "総務部", UserRole::Ciso),
    (
        "demo-auditor",
        "監査 四郎",
        "監査委員事務局",
        UserRole::Auditor,
    ),
    ("demo-admin", "管理 五郎", "情報政策課", UserRole::Admin),
];

const SERVICES: [(&str, &str); 6] = [
    ("電子申請サービス", "例示電子株式会社"),
    ("Web会議サービス", "例示会議システム株式会社"),
    ("ファイル共有サービス", "例示ストレージ株式会社"),
    ("公開地図サービス", "例示地図株式会社"),
    ("議事録作成支援サービス", "例示AI株式会社"),
    ("ウイルス定義配信サービス", "例示セキュリティ株式会社"),
];

const APPROVABLE: &str = "profile: city-checklist\nservice: { name: x, provider: y }\nfacts: { classification: \"2\", certifications: [ismap] }\nanswers: { default: met }\n";
const NEEDS_CISO: &str = "profile: sakai\nservice: { name: x, provider: y }\nfacts: { classification: 3B, connection: local_breakout, breakout_configuration: C, certifications: [csp_iso27001, csp_iso27017] }\nanswers: { default: met }\n";
const RISKS_DECIDED: &str = "profile: shunan-2023\nservice: { name: x, provider: y }\nfacts: { classification: \"1\" }\nanswers:\n  default: met\n  items:\n    risk-3: { status: unmet, reason: 公開済みの情報のみを扱うため受容する }\n";
const INCOMPLETE: &str = "profile: ward-annex\nservice: { name: x, provider: y }\nfacts: { classification: \"2\" }\nanswers:\n  items:\n    \"1\": met\n    \"2\": met\n";
const NOT_APPROVABLE: &str = "profile: city-checklist\nservice: { name: x, provider: y }\nfacts: { classification: \"2\" }\nanswers:\n  default: met\n  items:\n    \"1.12\": { status: unmet, reason: バックアップが海外に保存される }\n";
/// 周南市: backups kept abroad (item 18, 推奨): conditional on the approver's acceptance.
const BACKUPS_ABROAD: &str = "profile: shunan-2023\nservice: { name: x, provider: y }\nfacts: { classification: \"2\", certifications: [ismap, csp_iso27001, csp_iso27017] }\nanswers:\n  default: met\n  items:\n    \"18\": { status: unmet, reason: バックアップの複製が国外のデータセンターにも保存されるため }\n";
/// The same after approval, with item 18 met: the approval shows 承認後に変更あり.
const BACKUPS_MOVED: &str = "profile: shunan-2023\nservice: { name: x, provider: y }\nfacts: { classification: \"2\", certifications: [ismap, csp_iso27001, csp_iso27017] }\nanswers:\n  default: met\n  items:\n    \"18\": { status: met, evidence: 国内のみで保管する旨の確認書 }\n";

/// Where each demo service ends up, in turn.
#[derive(Clone, Copy, Debug)]
enum Fate {
    Approved,
    ApprovedWithAcceptances,
    Submitted,
    PreConsultation,
    Draft,
    Returned,
    Rejected,
    Extended,
    Abolished,
    RisksAccepted,
    Blocked,
    /// Approved; the period ends in a few weeks.
    ExpiringSoon,
    /// Approved; the period ended days ago (期限切れ).
    Expired,
    /// Approved as conditional; the assessment edited afterwards (承認後に変更あり).
    ChangedAfterApproval,
    /// Approved; a renewal application (更新申請) waits for the approver.
    RenewalPending,
    /// The consultation answered 協議済; the applicant has yet to apply.
    Consulted,
}

const FATES: [Fate; 16] = [
    Fate::Approved,
    Fate::ApprovedWithAcceptances,
    Fate::Submitted,
    Fate::PreConsultation,
    Fate::Draft,
    Fate::Returned,
    Fate::Rejected,
    Fate::Extended,
    Fate::Abolished,
    Fate::RisksAccepted,
    Fate::Blocked,
    Fate::ExpiringSoon,
    Fate::Expired,
    Fate::ChangedAfterApproval,
    Fate::RenewalPending,
    Fate::Consulted,
];

struct Cast {
    applicants: [Actor; 2],
    approver: Actor,
    ciso: Actor,
}

pub async fn load(
    config: &Config,
    profiles_dir: Option<&Path>,
    services: u32,
) -> Result<String, Failure> {
    let catalog = catalog(profiles_dir)?;
    let store = open(config).await?;
    let cast = prepare(&store).await.map_err(|e| store_failure(&e))?;
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "デモ用の組織 {DEMO_ORG} を準備しました。利用者: {}（パスワードはすべて {DEMO_PASSWORD}）",
        USERS.map(|u| u.0).join(", ")
    );
    for n in 0..services {
        let fate = FATES[n as usize % FATES.len()];
        let (service, application, status) = create(&store, &catalog, &cast, n, fate)
            .await
            .map_err(|e| store_failure(&e))?;
        // Printed only after the service's last step has committed.
        let _ = writeln!(
            out,
            "committed {n} service={service} application={application} status={status}"
        );
        let _ = out.flush();
    }
    Ok(format!("デモ用のサービスを {services} 件作りました\n"))
}

async fn prepare(store: &Store) -> Result<Cast, StoreError> {
    if store.organization(DEMO_ORG).await.is_err() {
        store.create_organization(DEMO_ORG, "デモ市").await?;
    }
    let operator = store.operator(DEMO_ORG).await?;
    let mut actors = Vec::new();
    for (login, name, department, role) in USERS {
        let actor = match store.authenticate(login, DEMO_PASSWORD).await? {
            Some(actor) => actor,
            None => {
                store
                    .add_user(
                        &operator,
                        NewUser {
                            login: login.to_owned(),
                            display_name: name.to_owned(),
                            department: department.to_owned(),
                            role,
                            password: DEMO_PASSWORD.to_owned(),
                            email: String::new(),
                        },
                    )
                    .await?;
                store
                    .authenticate(login, DEMO_PASSWORD)
                    .await?
                    .ok_or_else(|| {
                        StoreError::Rejected(format!("デモ用の利用者 {login} でログインできません"))
                    })?
            }
        };
        actors.push(actor);
    }
    let mut actors = actors.into_iter();
    let mut next = || {
        actors
            .next()
            .ok_or_else(|| StoreError::Rejected("デモ用の利用者が足りません".to_owned()))
    };
    let applicant = next()?;
    let applicant2 = next()?;
    let approver = next()?;
    let ciso = next()?;
    Ok(Cast {
        applicants: [applicant, applicant2],
        approver,
        ciso,
    })
}

async fn create(
    store: &Store,
    catalog: &Catalog,
    cast: &Cast,
    n: u32,
    fate: Fate,
) -> Result<(i64, i64, &'static str), StoreError> {
    let applicant = &cast.applicants[n as usize % 2];
    let (name, provider) = SERVICES[n as usize % SERVICES.len()];
    let service = store
        .create_service(
            applicant,
            NewService {
                name: format!("{name} {}", n + 1),
                provider: provider.to_owned(),
                description: "デモ用のサービスです".to_owned(),
            },
        )
        .await?;
    let document = match fate {
        Fate::ApprovedWithAcceptances => NEEDS_CISO,
        Fate::RisksAccepted => RISKS_DECIDED,
        Fate::Draft => INCOMPLETE,
        Fate::Blocked => NOT_APPROVABLE,
        Fate::ChangedAfterApproval => BACKUPS_ABROAD,
        _ => APPROVABLE,
    };
    let assessment = store
        .create_assessment(applicant, catalog, service.id, document)
        .await?;
    // Periods end about a year away, some within weeks, one already past.
    let today = today_in_japan();
    let (start, end) = match fate {
        Fate::ExpiringSoon => (today - Duration::days(345), today + Duration::days(20)),
        Fate::Expired => (today - Duration::days(375), today - Duration::days(10)),
        Fate::RenewalPending => (today - Duration::days(320), today + Duration::days(45)),
        _ => {
            let start = today - Duration::days(i64::from(n % 365));
            (start, start + Duration::days(365 + i64::from(n % 7) * 30))
        }
    };
    let app = store
        .create_application(
            applicant,
            NewApplication {
                service_id: service.id,
                assessment_id: assessment.id,
                purpose: format!("{name}を使った業務（デモ）"),
                user_scope: "課内の職員に限る".to_owned(),
                period_start: start,
                period_end: end,
                kind: Kind::New,
                ledger_entry_id: None,
            },
        )
        .await?;
    let act = |actor: &Actor, action: Action, comment: &'static str| {
        let actor = actor.clone();
        async move {
            store
                .act(
                    &actor,
                    catalog,
                    app.id,
                    action,
                    comment,
                    Some(assessment.version),
                )
                .await
        }
    };
    if matches!(fate, Fate::Draft | Fate::Blocked) {
        return Ok((service.id, app.id, "draft"));
    }
    act(
        applicant,
        Action::StartPreConsultation,
        "内容をご確認ください",
    )
    .await?;
    if matches!(fate, Fate::PreConsultation) {
        return Ok((service.id, app.id, "pre_consultation"));
    }
    act(
        &cast.approver,
        Action::ConcludeConsultation,
        "内容を確認しました。申請してください",
    )
    .await?;
    if matches!(fate, Fate::Consulted) {
        return Ok((service.id, app.id, "consulted"));
    }
    act(applicant, Action::Submit, "").await?;
    match fate {
        Fate::Submitted => return Ok((service.id, app.id, "submitted")),
        Fate::Returned => {
            act(
                &cast.approver,
                Action::Return,
                "利用者の範囲を具体的に書いてください",
            )
            .await?;
            return Ok((service.id, app.id, "draft"));
        }
        Fate::Rejected => {
            act(
                &cast.approver,
                Action::Reject,
                "同等の機能を持つ登録済みサービスを使ってください",
            )
            .await?;
            return Ok((service.id, app.id, "rejected"));
        }
        Fate::ChangedAfterApproval => {
            store
                .accept(
                    &cast.approver,
                    catalog,
                    app.id,
                    "国外の保管先にも日本法が適用されることを契約で確認した",
                )
                .await?;
        }
        Fate::ApprovedWithAcceptances => {
            store
                .accept(
                    &cast.approver,
                    catalog,
                    app.id,
                    "代替となる ISMAP 登録サービスがない",
                )
                .await?;
            store
                .accept(
                    &cast.ciso,
                    catalog,
                    app.id,
                    "ISMS 認証の範囲と講じる対策を確認した",
                )
                .await?;
        }
        _ => {}
    }
    act(&cast.approver, Action::Approve, "承認します").await?;
    match fate {
        Fate::ChangedAfterApproval => {
            store
                .save_assessment(
                    applicant,
                    catalog,
                    assessment.id,
                    assessment.version,
                    BACKUPS_MOVED,
                )
                .await?;
        }
        Fate::RenewalPending => {
            let renewal = renew(store, catalog, cast, applicant, &app).await?;
            return Ok((service.id, renewal, "submitted"));
        }
        _ => {}
    }
    if matches!(fate, Fate::Extended | Fate::Abolished) {
        let entry = store
            .ledger(
                &cast.approver,
                &sentei_store::LedgerQuery {
                    search: format!("{name} {}", n + 1),
                    page_size: 10,
                    ..Default::default()
                },
            )
            .await?
            .items
            .into_iter()
            .find(|e| e.application_id == Some(app.id))
            .ok_or_else(|| StoreError::NotFound("台帳の項目が見つかりません".to_owned()))?;
        if matches!(fate, Fate::Extended) {
            let end = entry.fields.period_end + Duration::days(365);
            store
                .extend_ledger(
                    &cast.approver,
                    entry.id,
                    entry.version,
                    end,
                    "契約を1年延長",
                )
                .await?;
        } else {
            let on = entry.fields.period_start.max(today_in_japan());
            store
                .abolish_ledger(
                    &cast.approver,
                    entry.id,
                    entry.version,
                    on,
                    "後継サービスへ移行",
                )
                .await?;
        }
    }
    Ok((service.id, app.id, "approved"))
}

/// A renewal application for an approved application's entry, a year longer, taken through
/// consultation to submission; returns its id.
async fn renew(
    store: &Store,
    catalog: &Catalog,
    cast: &Cast,
    applicant: &Actor,
    approved: &sentei_store::ApplicationView,
) -> Result<i64, StoreError> {
    let entry = store
        .ledger_entry_of_application(applicant, approved.id)
        .await?
        .ok_or_else(|| StoreError::NotFound("台帳の項目が見つかりません".to_owned()))?;
    let renewal = store
        .create_application(
            applicant,
            NewApplication {
                service_id: approved.service_id,
                assessment_id: approved.assessment_id,
                purpose: approved.purpose.clone(),
                user_scope: approved.user_scope.clone(),
                period_start: approved.period_start,
                period_end: approved.period_end + Duration::days(365),
                kind: Kind::Renewal,
                ledger_entry_id: Some(entry),
            },
        )
        .await?;
    for (actor, action, comment) in [
        (
            applicant,
            Action::StartPreConsultation,
            "契約を1年更新します",
        ),
        (
            &cast.approver,
            Action::ConcludeConsultation,
            "更新してください",
        ),
        (applicant, Action::Submit, ""),
    ] {
        store
            .act(actor, catalog, renewal.id, action, comment, None)
            .await?;
    }
    Ok(renewal.id)
}
