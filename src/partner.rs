//! Who a session's remote is: a partner organisation (by the registrable domain of its host
//! name, Public Suffix List) or one of the organisation's own servers (internal).

use std::net::IpAddr;

use rustc_hash::FxHashSet;

use crate::collect::Peer;
use crate::parse::endpoint::Address;
use crate::parse::header::LogKind;

/// Which way the mail went, as far as the organisation is concerned. Its name in every
/// output is its `as_str`; declared in name order, so sorting by direction is sorting by
/// its name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    /// Between the organisation's own servers (Front End → Hub, Hub ↔ Hub, Edge ↔ Hub).
    Internal,
    Outbound,
}

impl Direction {
    pub fn as_str(&self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
            Direction::Internal => "internal",
        }
    }
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Internal when the remote is one of our servers (its address is a local endpoint
/// somewhere in the logs) or the session used X-ANONYMOUSTLS (only Exchange servers do).
pub fn direction(peer: &Peer, own: &FxHashSet<Address>) -> Direction {
    let ours = peer.anonymous_tls || peer.remote.as_ref().is_some_and(|r| own.contains(r));
    match (ours, peer.kind) {
        (true, _) => Direction::Internal,
        (false, LogKind::Receive) => Direction::Inbound,
        (false, LogKind::Send) => Direction::Outbound,
    }
}

/// The registrable domain of a host name (`mail.globex.co.uk` → `globex.co.uk`), or
/// `None` for address literals, bare names (`KM-C458-3F`) and names that are only a
/// public suffix.
pub fn registrable_domain(host: &str) -> Option<String> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty()
        || host.starts_with('[')
        || host.parse::<IpAddr>().is_ok()
        || !host.contains('.')
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    {
        return None;
    }
    let domain = psl::domain_str(&host)?;
    Some(domain.to_string())
}

/// The partner a peer's sessions are reported under.
pub fn partner(peer: &Peer, direction: Direction) -> String {
    let by_ip = || {
        peer.remote
            .as_ref()
            .map_or_else(|| "unknown".to_string(), |r| r.to_string())
    };
    match direction {
        Direction::Internal => match peer.host.as_deref() {
            Some(h) if !h.is_empty() && !h.starts_with('[') => h.to_string(),
            _ => by_ip(),
        },
        _ => peer
            .host
            .as_deref()
            .and_then(registrable_domain)
            .unwrap_or_else(by_ip),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(kind: LogKind, remote: &str, host: Option<&str>) -> Peer {
        Peer {
            kind,
            remote: Some(Address::Ip(remote.parse().unwrap())),
            host: host.map(Into::into),
            anonymous_tls: false,
        }
    }

    #[test]
    fn registrable_domain_by_psl() {
        assert_eq!(
            registrable_domain("mail.globex.co.uk"),
            Some("globex.co.uk".into())
        );
        assert_eq!(
            registrable_domain("MAIL.Globex.co.uk."),
            Some("globex.co.uk".into())
        );
        assert_eq!(
            registrable_domain("VI1EUR04FT012.mail.protection.outlook.com"),
            Some("outlook.com".into())
        );
        assert_eq!(registrable_domain("co.uk"), None);
        assert_eq!(registrable_domain("KM-C458-3F"), None);
        assert_eq!(registrable_domain("[10.0.5.23]"), None);
        assert_eq!(registrable_domain("10.0.5.23"), None);
        assert_eq!(registrable_domain("bad host!.com"), None);
    }

    #[test]
    fn partner_falls_back_to_ip() {
        let p = peer(LogKind::Receive, "10.0.5.23", Some("km-c458-3f"));
        assert_eq!(partner(&p, Direction::Inbound), "10.0.5.23");
        let p = peer(LogKind::Receive, "203.0.113.9", None);
        assert_eq!(partner(&p, Direction::Inbound), "203.0.113.9");
    }

    #[test]
    fn internal_by_local_address_or_anonymous_tls() {
        let mut own = FxHashSet::default();
        own.insert(Address::Ip("10.0.1.12".parse().unwrap()));
        let p = peer(LogKind::Send, "10.0.1.12", Some("ex02.corp.example"));
        assert_eq!(direction(&p, &own), Direction::Internal);
        assert_eq!(partner(&p, Direction::Internal), "ex02.corp.example");
        let mut q = peer(LogKind::Receive, "10.9.9.9", Some("edge01"));
        assert_eq!(direction(&q, &own), Direction::Inbound);
        q.anonymous_tls = true;
        assert_eq!(direction(&q, &own), Direction::Internal);
    }
}
