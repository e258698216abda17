//! Calls into parsers of untrusted files, contained.
//!
//! Fuzzing found malformed workbooks on which calamine's arithmetic overflows (a `dimension`
//! whose end comes before its start): builds with overflow checks panic there, release builds
//! wrap. Every call into calamine goes through [`contained`], so such a defect becomes a clear
//! error for the person who uploaded the file instead of a crashed request.

/// Runs `call`; `Err(())` when it panicked.
pub(crate) fn contained<T>(call: impl FnOnce() -> T) -> Result<T, ()> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).map_err(|_| ())
}
