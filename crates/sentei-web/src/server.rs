//! Serving connections with the limits a server on a shared network needs: a request's head
//! must arrive in time, a connection with nothing to do is closed, and only so many are open
//! at once (issue 12, finding 5: half-sent requests stayed open for minutes, and 20,000 of
//! them kept everyone else out).
//!
//! `axum::serve` offers none of these, so connections are served here with hyper's own HTTP/1
//! connection, as axum does inside: hyper's `header_read_timeout` bounds the time from a
//! connection's opening (or the end of its previous response) to the end of the next request's
//! head; a watchdog closes a connection that has neither read nor written anything and has no
//! request in hand for the idle timeout; a semaphore caps the connections, and beyond the cap
//! new ones wait in the kernel's queue until one ends (they are not accepted, so they cost
//! the server nothing meanwhile). Slow request bodies and TLS are the reverse proxy's to bound
//! (README, deploy/nginx.conf).

use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// How connections are bounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerLimits {
    /// From a connection's opening, or the end of its previous response, to the end of the next
    /// request's head (its line and headers).
    pub header_read_timeout: Duration,
    /// A connection that reads and writes nothing and has no request in hand is closed after
    /// this. Waiting for a next request is bounded by `header_read_timeout` too, so the
    /// shorter of the two applies there.
    pub idle_timeout: Duration,
    /// Connections open at once; more wait until one ends.
    pub max_connections: usize,
}

impl Default for ServerLimits {
    /// What a municipality's server wants without a proxy in front: a head in 20 seconds (a
    /// person's browser sends it at once; only a stalled or hostile client takes longer), a
    /// connection kept 10 seconds for the next request of a page (its CSS and scripts follow
    /// at once), and 512 connections (hundreds of employees at a time, each browser opening a
    /// few).
    fn default() -> ServerLimits {
        ServerLimits {
            header_read_timeout: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(10),
            max_connections: 512,
        }
    }
}

/// Serves `app` on `listener` within `limits` until `shutdown` completes; then stops accepting
/// and waits for the connections open to finish the request they are handling.
pub async fn serve_with_limits(
    mut listener: tokio::net::TcpListener,
    app: Router,
    limits: ServerLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // Closed (by dropping the sender) to tell every connection to finish; each connection
    // holds a receiver of `closed`, so the server knows when the last one has ended.
    let (stop_tx, stop_rx) = watch::channel(());
    let (closed_tx, closed_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = axum::serve::Listener::accept(&mut listener) => accepted,
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let stop = stop_rx.clone();
        let closed = closed_rx.clone();
        tokio::spawn(async move {
            serve_connection(stream, peer, app, limits, stop).await;
            drop((slot, closed));
        });
    }
    drop(stop_tx);
    drop(closed_rx);
    drop(listener);
    closed_tx.closed().await;
    Ok(())
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: ServerLimits,
    mut stop: watch::Receiver<()>,
) {
    let activity = Arc::new(Activity::new());
    let in_hand = Arc::new(AtomicUsize::new(0));
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: activity.clone(),
    });
    let service = {
        let in_hand = in_hand.clone();
        hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let handling = InHand::take(&in_hand);
            let app = app.clone();
            async move {
                let response = app.oneshot(request.map(axum::body::Body::new)).await;
                drop(handling);
                response
            }
        })
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let mut connection = pin!(builder.serve_connection(io, service));
    let mut watchdog = tokio::time::interval(watch_interval(limits.idle_timeout));
    watchdog.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut closing = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%peer, %error, "connection ended");
                }
                break;
            }
            _ = stop.changed(), if !closing => {
                closing = true;
                connection.as_mut().graceful_shutdown();
            }
            _ = watchdog.tick(), if !closing => {
                if in_hand.load(Ordering::Acquire) == 0 && activity.quiet_for() >= limits.idle_timeout {
                    closing = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// How often the watchdog looks: often enough that an idle connection is closed soon after
/// its time, rarely enough to cost nothing.
fn watch_interval(idle: Duration) -> Duration {
    (idle / 4).clamp(Duration::from_millis(50), Duration::from_secs(1))
}

/// When a connection last read or wrote a byte.
struct Activity {
    opened: Instant,
    /// Milliseconds from `opened`.
    last: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            opened: Instant::now(),
            last: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let now = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(now, Ordering::Release);
    }

    fn quiet_for(&self) -> Duration {
        let last = Duration::from_millis(self.last.load(Ordering::Acquire));
        self.opened.elapsed().saturating_sub(last)
    }
}

/// A request being handled on a connection, counted until its response is made (also when
/// the request is dropped half-way).
struct InHand(Arc<AtomicUsize>);

impl InHand {
    fn take(count: &Arc<AtomicUsize>) -> InHand {
        count.fetch_add(1, Ordering::AcqRel);
        InHand(count.clone())
    }
}

impl Drop for InHand {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A connection's stream, noting each byte read or written.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
