//! Issue 12, finding 5: slow clients. The server on a real socket, with its limits shortened:
//! a half-sent request is closed, an idle connection is closed, and connections beyond the cap
//! wait while the others are served. Outcomes are asserted, never durations; the timeouts
//! around reads only keep a broken server from hanging the suite.

use std::net::SocketAddr;
use std::time::Duration;

use sentei_web::{ServerLimits, serve_with_limits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use crate::harness::Web;

/// Long enough for any server under any load; reached only when something is wrong.
const NEVER: Duration = Duration::from_secs(60);

/// The application served on a loopback port within `limits`; dropping the sender stops it.
async fn serve(web: &Web, limits: ServerLimits) -> (SocketAddr, oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(serve_with_limits(
        listener,
        web.app.clone(),
        limits,
        async move {
            let _ = stopped.await;
        },
    ));
    (address, stop)
}

const HALF_SENT: &[u8] = b"GET /login HTTP/1.1\r\nHost: sentei.example\r\nUser-Agent: slow";

/// Reads until the server closes the connection: what it sent before closing.
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match tokio::time::timeout(NEVER, stream.read(&mut chunk)).await {
            Ok(Ok(0) | Err(_)) => return received,
            Ok(Ok(n)) => received.extend_from_slice(&chunk[..n]),
            Err(_) => panic!("the server kept the connection open"),
        }
    }
}

/// One response of a kept-alive connection: its status line and headers, and its body read
/// to its Content-Length.
async fn response(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(NEVER, stream.read(&mut chunk))
            .await
            .expect("no response")
            .unwrap();
        assert!(n > 0, "closed before a response");
        received.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&received).to_string();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .map_or(0, |n| n.trim().parse().unwrap());
            if body.len() >= length {
                return head.to_owned();
            }
        }
    }
}

#[tokio::test]
async fn finding_5_a_half_sent_request_is_closed_after_the_header_timeout() {
    let web = Web::new().await;
    let (address, _stop) = serve(
        &web,
        ServerLimits {
            header_read_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(600),
            max_connections: 16,
        },
    )
    .await;
    let mut stalled = TcpStream::connect(address).await.unwrap();
    stalled.write_all(HALF_SENT).await.unwrap();
    let sent_back = until_closed(&mut stalled).await;
    assert!(
        !String::from_utf8_lossy(&sent_back).contains(" 200 "),
        "a request that was never finished was answered"
    );
    // The server itself is as it was: a whole request is served.
    let mut normal = TcpStream::connect(address).await.unwrap();
    normal
        .write_all(b"GET /login HTTP/1.1\r\nHost: sentei.example\r\n\r\n")
        .await
        .unwrap();
    assert!(response(&mut normal).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn finding_5_an_idle_kept_alive_connection_is_closed() {
    let web = Web::new().await;
    let (address, _stop) = serve(
        &web,
        ServerLimits {
            header_read_timeout: Duration::from_secs(600),
            idle_timeout: Duration::from_secs(1),
            max_connections: 16,
        },
    )
    .await;
    let mut kept = TcpStream::connect(address).await.unwrap();
    kept.write_all(b"GET /login HTTP/1.1\r\nHost: sentei.example\r\n\r\n")
        .await
        .unwrap();
    let head = response(&mut kept).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    // Kept alive by HTTP/1.1, then nothing: the server ends it (the header timeout is ten
    // minutes, so only the idle timeout can).
    assert!(until_closed(&mut kept).await.is_empty());
}

#[tokio::test]
async fn finding_5_connections_beyond_the_cap_wait_until_one_ends() {
    let web = Web::new().await;
    let (address, _stop) = serve(
        &web,
        ServerLimits {
            header_read_timeout: Duration::from_secs(600),
            idle_timeout: Duration::from_secs(600),
            max_connections: 2,
        },
    )
    .await;
    // Two slow clients take both connections, with requests they never finish.
    let mut first = TcpStream::connect(address).await.unwrap();
    first.write_all(HALF_SENT).await.unwrap();
    let mut second = TcpStream::connect(address).await.unwrap();
    second.write_all(HALF_SENT).await.unwrap();
    // A third connects (the kernel queues it) and asks properly; it is not served while
    // both are held...
    let mut third = TcpStream::connect(address).await.unwrap();
    third
        .write_all(b"GET /login HTTP/1.1\r\nHost: sentei.example\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut chunk = [0u8; 64];
    let early = tokio::time::timeout(Duration::from_secs(1), third.read(&mut chunk)).await;
    assert!(
        early.is_err(),
        "served beyond the cap of two connections: {early:?}"
    );
    // ...and is served as soon as one of them ends.
    drop(first);
    let answer = String::from_utf8_lossy(&until_closed(&mut third).await).to_string();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop(second);
}
