//! Uploaded files are read off the async workers, a few at a time (issue 12, finding 4).
//!
//! Reading a workbook or a CSV file takes from milliseconds to about a second of one core and
//! tens of megabytes (see the bounds in `sentei_exchange::sheet::guard`). On the async workers
//! that stalled every other request: four hostile uploads made the sign-in page take three
//! seconds. So each reading runs on tokio's blocking threads, and only `upload_readers` of
//! them (two unless configured) at once: other uploads wait their turn holding only their
//! bytes, and the async workers stay free for everyone else. Pages and the API alike.

use crate::error::AppError;
use crate::state::AppState;

/// Uploaded files read at once unless configured: on a 2-core server, one core stays free
/// for pages whatever is uploaded.
pub const DEFAULT_READERS: usize = 2;

/// Runs `read` on a blocking thread when a turn is free, and gives its result.
pub async fn read<T: Send + 'static>(
    state: &AppState,
    read: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let turn = state
        .upload_turns
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| AppError::Internal(format!("upload turns closed: {e}")))?;
    // The turn is held by the reading itself, not by the request: a client that goes away
    // does not free a turn while its file is still being read.
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        read()
    })
    .await
    .map_err(|e| AppError::Internal(format!("reading an upload failed: {e}")))
}
