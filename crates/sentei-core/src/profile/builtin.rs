//! The five built-in profiles, compiled into the binary from `profiles/*.yaml`.
//!
//! The files are the same ones a municipality would copy to write its own; a test checks that
//! each compiles, so a broken built-in never reaches a release.

use super::Profile;
use crate::input::InputError;

/// File name and text of each built-in profile, in the order of the source documents.
pub const BUILTIN_SOURCES: &[(&str, &str)] = &[
    (
        "ward-annex.yaml",
        include_str!("../../../../profiles/ward-annex.yaml"),
    ),
    (
        "city-checklist.yaml",
        include_str!("../../../../profiles/city-checklist.yaml"),
    ),
    (
        "procurement-spec.yaml",
        include_str!("../../../../profiles/procurement-spec.yaml"),
    ),
    (
        "shunan-2023.yaml",
        include_str!("../../../../profiles/shunan-2023.yaml"),
    ),
    (
        "sakai.yaml",
        include_str!("../../../../profiles/sakai.yaml"),
    ),
];

/// Compiles the built-in profiles. Fails only if a built-in file is broken, which the test
/// suite rules out; the error names the file.
pub fn builtin_profiles() -> Result<Vec<Profile>, (&'static str, InputError)> {
    BUILTIN_SOURCES
        .iter()
        .map(|(file, text)| Profile::from_yaml(text).map_err(|e| (*file, e)))
        .collect()
}
