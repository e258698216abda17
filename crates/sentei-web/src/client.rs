//! Who the client is, by address: the peer of the connection, or, when that peer is a reverse
//! proxy the configuration trusts, the address the proxy says it forwarded for.
//!
//! `X-Forwarded-For` is whatever the sender wrote, so it is believed only from trusted proxies
//! (issue 12, finding 7): otherwise anyone could spread their sign-in attempts over invented
//! addresses, or pin them on someone else's.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::state::AppState;

/// A reverse proxy whose `X-Forwarded-For` is believed: one address, or a network
/// (`10.0.0.0/8`, `fd00::/8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrustedProxy {
    network: IpAddr,
    prefix: u8,
}

impl TrustedProxy {
    /// Reads `192.0.2.1`, `10.0.0.0/8`, `::1` or `fd00::/8`.
    pub fn parse(text: &str) -> Result<TrustedProxy, String> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address
            .parse()
            .map_err(|_| format!("信頼するプロキシ `{text}` は IP アドレスではありません"))?;
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= bits).ok_or_else(|| {
                format!("信頼するプロキシ `{text}` のプレフィックス長が正しくありません")
            })?,
        };
        Ok(TrustedProxy { network, prefix })
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        let keep = |bits: u32| -> u128 {
            if self.prefix == 0 {
                0
            } else {
                u128::MAX << (bits - u32::from(self.prefix))
            }
        };
        match (self.network, address) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                let mask = keep(32);
                u128::from(u32::from(net)) & mask == u128::from(u32::from(a)) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                let mask = keep(128);
                u128::from(net) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for TrustedProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// The client's address: `peer` itself unless it is a trusted proxy; then the nearest address
/// in `X-Forwarded-For` (read from the right) that is not a trusted proxy. An entry that is not
/// an address ends the walk at the proxy that passed it on.
pub fn client_address(peer: IpAddr, forwarded_for: &[&str], trusted: &[TrustedProxy]) -> IpAddr {
    let is_trusted = |a: IpAddr| trusted.iter().any(|t| t.contains(a));
    let mut client = peer;
    if !is_trusted(peer) {
        return peer;
    }
    let hops = forwarded_for
        .iter()
        .rev()
        .flat_map(|value| value.rsplit(','))
        .map(str::trim);
    for hop in hops {
        let Some(address) = parse_hop(hop) else {
            return client;
        };
        client = address;
        if !is_trusted(address) {
            return address;
        }
    }
    client
}

/// An address of `X-Forwarded-For`: `192.0.2.1`, `2001:db8::1`, `[2001:db8::1]:443` or
/// `192.0.2.1:443`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// The client's address of a request, for throttling; `unknown` when the server cannot tell
/// (requests not from a socket, as in tests through the router).
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
        else {
            return Ok(ClientAddress("unknown".to_owned()));
        };
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let address = client_address(peer, &forwarded, &state.config.trusted_proxies);
        Ok(ClientAddress(address.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn networks_contain_their_addresses_only() {
        let net = TrustedProxy::parse("10.0.0.0/8").unwrap();
        assert!(net.contains(ip("10.200.1.2")));
        assert!(!net.contains(ip("11.0.0.1")));
        assert!(!net.contains(ip("::ffff:10.0.0.1")));
        let one = TrustedProxy::parse("192.0.2.1").unwrap();
        assert!(one.contains(ip("192.0.2.1")) && !one.contains(ip("192.0.2.2")));
        let v6 = TrustedProxy::parse("fd00::/8").unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        assert!(
            TrustedProxy::parse("0.0.0.0/0")
                .unwrap()
                .contains(ip("203.0.113.1"))
        );
        for bad in ["proxy.example", "10.0.0.0/33", "10.0.0.0/x", ""] {
            assert!(TrustedProxy::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_for_is_believed_from_trusted_proxies_only() {
        let trusted = [TrustedProxy::parse("10.0.0.0/8").unwrap()];
        let client = |peer: &str, xff: &[&str]| client_address(ip(peer), xff, &trusted);
        // A stranger's header is ignored.
        assert_eq!(client("192.0.2.7", &["203.0.113.1"]), ip("192.0.2.7"));
        // Through the proxy: the nearest untrusted address, whatever was written before it.
        assert_eq!(client("10.0.0.1", &["203.0.113.1"]), ip("203.0.113.1"));
        assert_eq!(
            client("10.0.0.1", &["1.1.1.1, 203.0.113.1, 10.0.0.2"]),
            ip("203.0.113.1")
        );
        assert_eq!(
            client("10.0.0.1", &["1.1.1.1", "203.0.113.1:4431"]),
            ip("203.0.113.1")
        );
        // Nonsense stops at the proxy that passed it on; no header is the proxy itself.
        assert_eq!(client("10.0.0.1", &["evil, 10.0.0.3"]), ip("10.0.0.3"));
        assert_eq!(client("10.0.0.1", &[]), ip("10.0.0.1"));
    }
}
