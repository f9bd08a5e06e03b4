//! How a partner's MTA answers our servers, as our send logs show it: its 220 banner,
//! EHLO reply, STARTTLS go-ahead and queued-mail reply, each in the style of its software.

use crate::host::{Banner, Host};
use crate::rng::Rng;
use crate::time::rfc;

pub fn remote_banner(h: &Host, now: u64, rng: &mut Rng) -> String {
    let b = &h.banner;
    match h.style {
        Banner::Postfix => format!("220 {b} ESMTP Postfix"),
        Banner::Exim => format!("220 {b} ESMTP Exim 4.97 {}", rfc(now, 1)),
        Banner::Ms => format!(
            "220 {b} Microsoft ESMTP MAIL Service ready at {}",
            rfc(now, 0)
        ),
        Banner::Google => format!(
            "220 {b} ESMTP {}si{}.{} - gsmtp",
            rng.hex(12).to_ascii_lowercase(),
            rng.range(100000, 999999),
            rng.range(10, 999)
        ),
        Banner::Iis => format!(
            "220 {b} Microsoft ESMTP MAIL Service, Version: 6.0.3790.4675 ready at  {}",
            rfc(now, 1)
        ),
        Banner::Sendmail => format!("220 {b} ESMTP Sendmail 8.14.4/8.14.4; {}", rfc(now, 1)),
        Banner::Plain => format!("220 {b} ESMTP"),
    }
}

/// The lines of the host's EHLO reply to `our` name; STARTTLS (and IIS's TLS) only when
/// `starttls`, i.e. before TLS is up and only if the host does TLS at all.
pub fn remote_ehlo_lines(h: &Host, our: &str, starttls: bool) -> Vec<String> {
    let mut v = vec![ehlo_greeting(h, our)];
    for k in ehlo_keywords(h.style) {
        if let Some(k) = k.strip_prefix('@') {
            if starttls {
                v.push(k.to_string());
            }
        } else {
            v.push(k.to_string());
        }
    }
    v
}

/// The first line of the EHLO reply. 192.0.2.25 is our (documentation) public address.
fn ehlo_greeting(h: &Host, our: &str) -> String {
    let b = &h.banner;
    let pubip = "192.0.2.25";
    match h.style {
        Banner::Postfix | Banner::Plain => b.clone(),
        Banner::Exim => format!("{b} Hello {our} [{pubip}]"),
        Banner::Ms | Banner::Iis => format!("{b} Hello [{pubip}]"),
        Banner::Google => format!("{b} at your service, [{pubip}]"),
        Banner::Sendmail => format!("{b} Hello {our} [{pubip}], pleased to meet you"),
    }
}

/// The EHLO keywords in the software's order; a leading `@` marks a TLS keyword.
fn ehlo_keywords(style: Banner) -> &'static [&'static str] {
    match style {
        Banner::Postfix => POSTFIX_EHLO,
        Banner::Exim => EXIM_EHLO,
        Banner::Ms => MS_EHLO,
        Banner::Google => GOOGLE_EHLO,
        Banner::Iis => IIS_EHLO,
        Banner::Sendmail => SENDMAIL_EHLO,
        Banner::Plain => PLAIN_EHLO,
    }
}

const POSTFIX_EHLO: &[&str] = &[
    "PIPELINING",
    "SIZE 52428800",
    "VRFY",
    "ETRN",
    "@STARTTLS",
    "ENHANCEDSTATUSCODES",
    "8BITMIME",
    "DSN",
    "SMTPUTF8",
    "CHUNKING",
];

const EXIM_EHLO: &[&str] = &[
    "SIZE 52428800",
    "8BITMIME",
    "PIPELINING",
    "PRDR",
    "@STARTTLS",
    "HELP",
];

const MS_EHLO: &[&str] = &[
    "SIZE 157286400",
    "PIPELINING",
    "DSN",
    "ENHANCEDSTATUSCODES",
    "@STARTTLS",
    "8BITMIME",
    "BINARYMIME",
    "CHUNKING",
    "SMTPUTF8",
];

const GOOGLE_EHLO: &[&str] = &[
    "SIZE 157286400",
    "8BITMIME",
    "@STARTTLS",
    "ENHANCEDSTATUSCODES",
    "PIPELINING",
    "CHUNKING",
    "SMTPUTF8",
];

const IIS_EHLO: &[&str] = &[
    "TURN",
    "SIZE 2097152",
    "ETRN",
    "PIPELINING",
    "DSN",
    "ENHANCEDSTATUSCODES",
    "8bitmime",
    "BINARYMIME",
    "CHUNKING",
    "VRFY",
    "@TLS",
    "@STARTTLS",
    "OK",
];

const SENDMAIL_EHLO: &[&str] = &[
    "ENHANCEDSTATUSCODES",
    "PIPELINING",
    "8BITMIME",
    "SIZE 20000000",
    "DSN",
    "ETRN",
    "@STARTTLS",
    "DELIVERBY",
    "HELP",
];

const PLAIN_EHLO: &[&str] = &[
    "PIPELINING",
    "SIZE 30000000",
    "@STARTTLS",
    "8BITMIME",
    "ENHANCEDSTATUSCODES",
];

/// The host's go-ahead after STARTTLS.
pub fn tls_ready(style: Banner) -> &'static str {
    match style {
        Banner::Exim => "220 TLS go ahead",
        Banner::Ms | Banner::Iis => "220 2.0.0 SMTP server ready",
        _ => "220 2.0.0 Ready to start TLS",
    }
}

/// The host's reply once it has a message of `size` bytes, id `mid`.
pub fn remote_queued_reply(h: &Host, mid: &str, size: u64, now: u64, rng: &mut Rng) -> String {
    match h.style {
        Banner::Ms => {
            format!("250 2.6.0 {} [InternalId={}, Hostname={}] {} bytes in 0.{:03}, {}.{:03} KB/sec Queued mail for delivery", mid, rng.range(1_000_000, 99_999_999_999), h.banner.trim_end_matches('.'), size, rng.below(1000), rng.range(10, 900), rng.below(1000))
        }
        Banner::Google => format!(
            "250 2.0.0 OK  {} {}si{}.{} - gsmtp",
            now / 1000,
            rng.hex(10).to_ascii_lowercase(),
            rng.range(100000, 999999),
            rng.range(10, 999)
        ),
        Banner::Exim => format!("250 OK id=1t{}-{}-{}", rng.hex(5), rng.hex(6), rng.hex(2)),
        _ => format!("250 2.0.0 Ok: queued as 4Z{}", rng.hex(9)),
    }
}
