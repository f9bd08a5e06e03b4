//! Who a session's remote is: a partner organisation (by the registrable domain of its host
//! name, Public Suffix List), one of the organisation's own servers (internal), or one of
//! its devices and applications handing mail to Exchange (client).

use std::net::IpAddr;

use rustc_hash::FxHashSet;

use crate::collect::Peer;
use crate::parse::endpoint::Address;
use crate::parse::header::LogKind;
#[cfg(test)]
use crate::session::Signs;

/// Which way the mail went, as far as the organisation is concerned. Its name in every
/// output is its `as_str`; declared in name order, so sorting by direction is sorting by
/// its name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// A device or application handing mail to our servers: it authenticated, or it sits
    /// on a private address under a name that is not a public domain.
    Client,
    Inbound,
    /// Between the organisation's own servers (Front End → Hub, Hub ↔ Hub, Edge ↔ Hub).
    Internal,
    Outbound,
}

impl Direction {
    pub fn as_str(&self) -> &'static str {
        match self {
            Direction::Client => "client",
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
/// somewhere in the logs), the session used X-ANONYMOUSTLS or an implicit connector or an
/// internal port, or the remote advertised Exchange's internal verbs from a private address
/// or a name under a suffix that is not public (partners run Exchange too, but not on our
/// network). Client when a receive session authenticated, or came from a private address
/// under a name that is not a public domain (a firewall translating addresses puts public
/// senders behind one private IP: their names stay public).
pub fn direction(peer: &Peer, own: &FxHashSet<Address>) -> Direction {
    let s = peer.signs;
    let private = peer.remote.as_ref().is_some_and(Address::is_private);
    let public_name = peer.host.as_deref().is_some_and(is_public_name);
    let named_privately = peer.host.is_some() && !public_name;
    let ours = s.anonymous_tls
        || s.implicit_connector
        || s.internal_port
        || (s.exchange_verbs && (private || named_privately))
        || peer.remote.as_ref().is_some_and(|r| own.contains(r));
    match (ours, peer.kind) {
        (true, _) => Direction::Internal,
        (false, LogKind::Receive) if s.authenticated || (private && !public_name) => {
            Direction::Client
        }
        (false, LogKind::Receive) => Direction::Inbound,
        (false, LogKind::Send) => Direction::Outbound,
    }
}

/// Suffixes for private networks: never a public domain, whatever the PSL's default rule
/// would make of them.
const PRIVATE_SUFFIXES: [&str; 7] = [
    "local",
    "lan",
    "intra",
    "corp",
    "internal",
    "test",
    "home.arpa",
];

/// A name under a public suffix (on the Public Suffix List, not a private network's).
pub fn is_public_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let private = (PRIVATE_SUFFIXES.iter())
        .any(|s| host.strip_suffix(s).is_some_and(|rest| rest.ends_with('.')));
    !private
        && registrable_domain(&host).is_some()
        && psl::suffix(host.as_bytes()).is_some_and(|s| s.is_known())
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
        Direction::Internal | Direction::Client => match peer.host.as_deref() {
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
            signs: Signs::default(),
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
    fn directions_are_declared_in_name_order() {
        let all = [
            Direction::Client,
            Direction::Inbound,
            Direction::Internal,
            Direction::Outbound,
        ];
        assert!(all
            .windows(2)
            .all(|w| w[0] < w[1] && w[0].as_str() < w[1].as_str()));
    }

    #[test]
    fn devices_on_private_addresses_are_clients() {
        let own = FxHashSet::default();
        let printer = peer(LogKind::Receive, "10.0.5.21", Some("km-c458-3f"));
        assert_eq!(direction(&printer, &own), Direction::Client);
        assert_eq!(partner(&printer, Direction::Client), "km-c458-3f");
        let app = peer(LogKind::Receive, "192.168.4.7", Some("app01.contoso.local"));
        assert_eq!(direction(&app, &own), Direction::Client);
        let literal = peer(LogKind::Receive, "10.0.5.23", Some("[10.0.5.23]"));
        assert_eq!(direction(&literal, &own), Direction::Client);
        assert_eq!(partner(&literal, Direction::Client), "10.0.5.23");
        // Behind address translation, a public sender keeps its public name.
        let natted = peer(LogKind::Receive, "10.0.0.1", Some("mail.globex.co.uk"));
        assert_eq!(direction(&natted, &own), Direction::Inbound);
        let mut authed = peer(LogKind::Receive, "198.51.100.7", Some("mx.fabrikam.com"));
        authed.signs.authenticated = true;
        assert_eq!(direction(&authed, &own), Direction::Client);
    }

    #[test]
    fn exchange_peers_are_internal_only_on_our_network() {
        let own = FxHashSet::default();
        let mut partner_exchange = peer(LogKind::Send, "203.0.113.5", Some("mail.partner.com"));
        partner_exchange.signs.exchange_verbs = true;
        assert_eq!(direction(&partner_exchange, &own), Direction::Outbound);
        let mut ours = peer(LogKind::Send, "203.0.113.6", Some("ex07.corp.local"));
        ours.signs.exchange_verbs = true;
        assert_eq!(direction(&ours, &own), Direction::Internal);
        let mut hop = peer(LogKind::Send, "198.51.100.9", Some("mx.example.com"));
        hop.signs.implicit_connector = true;
        assert_eq!(direction(&hop, &own), Direction::Internal);
    }

    #[test]
    fn public_names_need_a_public_suffix() {
        assert!(is_public_name("mail.globex.co.uk"));
        assert!(!is_public_name("app01.contoso.local"));
        assert!(!is_public_name("nas.home.arpa"));
        assert!(!is_public_name("ex01.corp.example"));
        assert!(!is_public_name("km-c458-3f"));
        assert!(!is_public_name("[10.0.5.23]"));
    }

    #[test]
    fn internal_by_local_address_or_anonymous_tls() {
        let mut own = FxHashSet::default();
        own.insert(Address::Ip("10.0.1.12".parse().unwrap()));
        let p = peer(LogKind::Send, "10.0.1.12", Some("ex02.corp.example"));
        assert_eq!(direction(&p, &own), Direction::Internal);
        assert_eq!(partner(&p, Direction::Internal), "ex02.corp.example");
        let mut q = peer(LogKind::Receive, "10.9.9.9", Some("edge01"));
        assert_eq!(
            direction(&q, &own),
            Direction::Client,
            "a bare name, privately"
        );
        q.signs.anonymous_tls = true;
        assert_eq!(direction(&q, &own), Direction::Internal);
    }
}
