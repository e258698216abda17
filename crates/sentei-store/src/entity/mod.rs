//! One module per table. Plain sea-orm entities: the store maps them to core types and never
//! hands them out.

pub mod acceptance;
pub mod api_token;
pub mod application;
pub mod application_event;
pub mod assessment;
pub mod assessment_attachment;
pub mod assessment_version;
pub mod attachment;
pub mod audit_record;
pub mod ledger_count;
pub mod ledger_entry;
pub mod ledger_import_preview;
pub mod ledger_version;
pub mod notification;
pub mod organization;
pub mod service;
pub mod session;
pub mod sign_in_throttle;
pub mod user;
pub mod vendor_link;
