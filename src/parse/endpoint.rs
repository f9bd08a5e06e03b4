//! The `local-endpoint` / `remote-endpoint` columns: `ip:port`, `[v6]:port`, or text.

use std::net::IpAddr;

use nom::bytes::complete::{tag, take_till1, take_while1};
use nom::IResult;
use nom::Parser;

/// The address part of an endpoint. Anything that is not an IP (masked `x.x.x.x`, a name)
/// is kept as text rather than dropped.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Address {
    Ip(IpAddr),
    Text(Box<str>),
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Address::Ip(ip) => write!(f, "{ip}"),
            Address::Text(t) => f.write_str(t),
        }
    }
}

impl Address {
    /// A private, loopback, link-local or shared (carrier NAT) address: one of the
    /// organisation's own networks, never a partner's public server.
    pub fn is_private(&self) -> bool {
        match self {
            Address::Ip(IpAddr::V4(v4)) => {
                let [a, b, ..] = v4.octets();
                v4.is_private()
                    || v4.is_loopback()
                    || v4.is_link_local()
                    || (a == 100 && (64..128).contains(&b))
            }
            Address::Ip(IpAddr::V6(v6)) => {
                let first = v6.segments()[0];
                v6.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
            }
            Address::Text(_) => false,
        }
    }
}

/// An endpoint's port, when it has one (`10.0.0.1:2525`, `[2001:db8::1]:25`).
pub fn endpoint_port(field: &[u8]) -> Option<u16> {
    let field = field.trim_ascii();
    if let Ok((_, (_, p))) = bracketed(field) {
        return p;
    }
    let c = memchr::memrchr(b':', field)?;
    // A bare IPv6 address has colons but no port.
    if memchr::memchr(b':', &field[..c]).is_some() {
        return None;
    }
    match port(&field[c..]) {
        Ok((b"", p)) => Some(p),
        _ => None,
    }
}

fn port(input: &[u8]) -> IResult<&[u8], u16> {
    let (rest, (_, d)) = (tag(&b":"[..]), take_while1(|c: u8| c.is_ascii_digit())).parse(input)?;
    let p = std::str::from_utf8(d)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            nom::Err::Error(nom::error::Error::new(input, nom::error::ErrorKind::Digit))
        })?;
    Ok((rest, p))
}

/// `[2001:db8::1]:25`.
pub fn bracketed(input: &[u8]) -> IResult<&[u8], (&[u8], Option<u16>)> {
    let (rest, (_, addr, _)) =
        (tag(&b"["[..]), take_till1(|c| c == b']'), tag(&b"]"[..])).parse(input)?;
    let (rest, p) = nom::combinator::opt(port).parse(rest)?;
    Ok((rest, (addr, p)))
}

/// An endpoint's address; `None` for an empty field (the first rows of a send session).
pub fn endpoint_address(field: &[u8]) -> Option<Address> {
    let field = field.trim_ascii();
    if field.is_empty() {
        return None;
    }
    let host: &[u8] = if let Ok((_, (addr, _))) = bracketed(field) {
        addr
    } else {
        // Split on the last `:` only when what follows is a port and what precedes is not
        // itself a bare IPv6 address.
        match memchr::memrchr(b':', field) {
            Some(c)
                if port(&field[c..]).is_ok_and(|(r, _)| r.is_empty())
                    && memchr::memchr(b':', &field[..c]).is_none() =>
            {
                &field[..c]
            }
            _ => field,
        }
    };
    let text = String::from_utf8_lossy(host);
    Some(match text.parse::<IpAddr>() {
        Ok(ip) => Address::Ip(ip),
        Err(_) => Address::Text(text.into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_ports() {
        assert_eq!(endpoint_port(b"10.0.1.12:2525"), Some(2525));
        assert_eq!(endpoint_port(b"[2001:db8::1]:25"), Some(25));
        assert_eq!(endpoint_port(b"2001:db8::1"), None);
        assert_eq!(endpoint_port(b""), None);
        assert_eq!(endpoint_port(b"x.x.x.x:25"), Some(25));
    }

    #[test]
    fn private_addresses() {
        let private = |s: &str| Address::Ip(s.parse().unwrap()).is_private();
        assert!(private("10.0.5.21") && private("192.168.1.1") && private("172.20.0.1"));
        assert!(private("100.64.0.1") && private("127.0.0.1") && private("fd00::1"));
        assert!(!private("203.0.113.9") && !private("172.32.0.1") && !private("2001:db8::1"));
        assert!(!Address::Text("x.x.x.x".into()).is_private());
    }

    fn ip(s: &str) -> Option<Address> {
        Some(Address::Ip(s.parse().unwrap()))
    }

    #[test]
    fn endpoint_ipv4_with_port() {
        assert_eq!(endpoint_address(b"10.0.1.11:25"), ip("10.0.1.11"));
    }

    #[test]
    fn endpoint_ipv6_bracketed() {
        assert_eq!(endpoint_address(b"[2001:db8::25]:2525"), ip("2001:db8::25"));
    }

    #[test]
    fn endpoint_ipv6_bare() {
        assert_eq!(endpoint_address(b"2001:db8::25"), ip("2001:db8::25"));
    }

    #[test]
    fn endpoint_empty_is_none() {
        assert_eq!(endpoint_address(b""), None);
    }

    #[test]
    fn endpoint_masked_kept_as_text() {
        assert_eq!(
            endpoint_address(b"x.x.x.x:25"),
            Some(Address::Text("x.x.x.x".into()))
        );
        assert_eq!(
            endpoint_address(b"RemoteEndpoint"),
            Some(Address::Text("RemoteEndpoint".into()))
        );
    }

    #[test]
    fn bracketed_leaves_rest() {
        assert_eq!(
            bracketed(b"[::1]:25 x"),
            Ok((&b" x"[..], (&b"::1"[..], Some(25))))
        );
    }
}
