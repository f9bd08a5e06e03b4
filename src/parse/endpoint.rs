//! The `local-endpoint` / `remote-endpoint` columns: `ip:port`, `[v6]:port`, or text.

use std::net::IpAddr;

use nom::bytes::complete::{tag, take_till1, take_while1};
use nom::IResult;
use nom::Parser;

/// The address part of an endpoint. Anything that is not an IP (masked `x.x.x.x`, a name)
/// is kept as text rather than dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
