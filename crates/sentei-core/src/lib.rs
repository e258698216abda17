//! sentei-core: the domain of sentei, free of I/O.
//!
//! Profiles (a municipality's criteria as data), facts and answers (an assessment), and the
//! engine that judges one against the other, explaining every item. Everything else in sentei
//! (the command line, storage, the web) calls into this crate and re-implements none of it.
//!
//! ```
//! use sentei_core::{Catalog, builtin_profiles, judge};
//!
//! let catalog = Catalog::new(builtin_profiles().expect("built-in profiles compile"));
//! let assessment = catalog.parse_assessment(r#"
//! profile: city-checklist
//! service: { name: 例のSaaS, provider: 例示株式会社 }
//! facts: { classification: "2", certifications: [ismap] }
//! answers: { default: met }
//! "#).expect("a valid assessment");
//! let profile = catalog.get(&assessment.profile_id).expect("its profile");
//! let judgement = judge(profile, &assessment);
//! assert_eq!(judgement.verdict.as_str(), "approvable");
//! ```

pub mod access;
pub mod assessment;
pub mod audit;
pub mod condition;
pub mod controls;
pub mod evidence;
pub mod facts;
pub mod input;
pub mod judge;
pub mod judgement;
pub mod ledger;
pub mod notify;
pub mod people;
pub mod profile;
pub mod record;
pub mod row_state;
pub mod throttle;
pub mod vendor;
pub mod wareki;
pub mod workflow;

pub use assessment::{Answer, Assessment, Catalog};
pub use input::{InputError, Problem};
pub use judge::{judge, judge_all};
pub use judgement::{Judgement, Verdict};
pub use profile::{Profile, builtin_profiles};
