//! Common steps: a service, an assessment, an application, taken as far as a test needs.

use sentei_core::workflow::{Action, Kind};
use sentei_store::{
    ApplicationView, LedgerQuery, NewApplication, NewService, ServiceView, StoredAssessment,
};
use time::macros::date;

use crate::harness::{CATALOG, Fixture};

/// Approvable as it stands: ISMAP-registered, every item met.
pub const APPROVABLE: &str = "profile: city-checklist
service: { name: x, provider: y }
facts: { classification: \"2\", certifications: [ismap] }
answers: { default: met }
";

/// Conditional on the approver and the CISO: an ISMS-only service in Sakai.
pub const NEEDS_CISO: &str = "profile: sakai
service: { name: x, provider: y }
facts: { classification: 3B, connection: government_cloud, certifications: [csp_iso27001] }
answers: { default: met }
";

/// Not approvable: data kept abroad (1.12 unmet) without an ISMAP platform.
pub const NOT_APPROVABLE: &str = "profile: city-checklist
service: { name: x, provider: y }
facts: { classification: \"2\" }
answers:
  default: met
  items:
    \"1.12\": unmet
";

pub async fn service(f: &Fixture, name: &str) -> ServiceView {
    f.store
        .create_service(
            &f.applicant,
            NewService {
                name: name.to_owned(),
                provider: "例示株式会社".to_owned(),
                description: "テスト用のサービス".to_owned(),
            },
        )
        .await
        .unwrap()
}

pub async fn assessment(f: &Fixture, service: &ServiceView, document: &str) -> StoredAssessment {
    f.store
        .create_assessment(&f.applicant, &CATALOG, service.id, document)
        .await
        .unwrap()
}

/// A draft application by the applicant, with its service and assessment.
pub async fn draft(f: &Fixture, document: &str) -> (ApplicationView, StoredAssessment) {
    let service = service(f, "電子申請サービス").await;
    let assessment = assessment(f, &service, document).await;
    let application = f
        .store
        .create_application(
            &f.applicant,
            NewApplication {
                service_id: service.id,
                assessment_id: assessment.id,
                purpose: "住民からの申請受付".to_owned(),
                user_scope: "市民課内に限る".to_owned(),
                period_start: date!(2026 - 04 - 01),
                period_end: date!(2027 - 03 - 31),
                kind: Kind::New,
                ledger_entry_id: None,
            },
        )
        .await
        .unwrap();
    (application, assessment)
}

/// An application submitted after pre-consultation.
pub async fn submitted(f: &Fixture, document: &str) -> (ApplicationView, StoredAssessment) {
    let (application, assessment) = draft(f, document).await;
    for action in [Action::StartPreConsultation, Action::Submit] {
        f.store
            .act(&f.applicant, &CATALOG, application.id, action, "", None)
            .await
            .unwrap();
    }
    (application, assessment)
}

/// An approved application with its ledger entry: (application id, ledger entry id).
pub async fn approved(f: &Fixture) -> (i64, i64) {
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
    let ledger = f
        .store
        .ledger(
            &f.auditor,
            &LedgerQuery {
                page_size: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let entry = ledger
        .items
        .iter()
        .find(|e| e.application_id == Some(app.id))
        .unwrap()
        .id;
    (app.id, entry)
}
