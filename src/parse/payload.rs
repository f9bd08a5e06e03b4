//! The payloads inside `data` / `context`: SMTP commands and replies, and Exchange's own
//! TLS success and failure lines. One small parser per rule, each over bytes.

use nom::branch::alt;
use nom::bytes::complete::{tag, tag_no_case, take_till, take_till1, take_while, take_while1};
use nom::character::complete::{space0, space1};
use nom::combinator::{opt, rest, value};
use nom::IResult;
use nom::Parser;

use crate::tls::{Cipher, Protocol};

/// An SMTP command a client sent (the `data` of `<` rows in receive logs and of `>` rows in
/// send logs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command<'a> {
    /// EHLO or HELO with its argument (possibly empty).
    Hello(&'a [u8]),
    StartTls,
    AnonymousTls,
    /// The domain of the reverse path; `None` for the null sender `<>`.
    MailFrom(Option<&'a [u8]>),
    RcptTo(Option<&'a [u8]>),
    /// `AUTH mechanism ...`.
    Auth,
    /// `DATA` or `BDAT n`: mail content follows.
    Data,
    Other,
}

fn is_space(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// `EHLO name` / `HELO name`.
pub fn hello(input: &[u8]) -> IResult<&[u8], &[u8]> {
    let (rest, (_, _, name)) = (
        alt((tag_no_case(&b"EHLO"[..]), tag_no_case(&b"HELO"[..]))),
        space0,
        take_till(is_space),
    )
        .parse(input)?;
    Ok((rest, name))
}

/// `<user@domain> SIZE=...` or `user@domain`: the domain part, lower-case is the caller's job.
pub fn path_domain(input: &[u8]) -> IResult<&[u8], Option<&[u8]>> {
    let (rest, _) = space0(input)?;
    let (rest, addr) = alt((
        |i| {
            let (r, (_, a, _)) = (
                tag(&b"<"[..]),
                take_till(|c| c == b'>'),
                opt(tag(&b">"[..])),
            )
                .parse(i)?;
            Ok((r, a))
        },
        take_till1(is_space),
    ))
    .parse(rest)?;
    let domain = memchr::memrchr(b'@', addr)
        .map(|at| &addr[at + 1..])
        .filter(|d| !d.is_empty());
    Ok((rest, domain))
}

/// `MAIL FROM:<a@b>` (any case, optional space after the colon).
pub fn mail_from(input: &[u8]) -> IResult<&[u8], Option<&[u8]>> {
    let (rest, _) = (tag_no_case(&b"MAIL FROM:"[..]),).parse(input)?;
    path_domain(rest)
}

/// `RCPT TO:<a@b>`.
pub fn rcpt_to(input: &[u8]) -> IResult<&[u8], Option<&[u8]>> {
    let (rest, _) = (tag_no_case(&b"RCPT TO:"[..]),).parse(input)?;
    path_domain(rest)
}

/// Any client command we care about.
pub fn command(input: &[u8]) -> Command<'_> {
    let Some(&first) = input.first() else {
        return Command::Other;
    };
    // A cheap dispatch on the first letter: most rows are neither of these.
    match first | 0x20 {
        b'e' | b'h' => match hello(input) {
            Ok((_, name)) => Command::Hello(name),
            Err(_) => Command::Other,
        },
        b's' if input.trim_ascii_end().eq_ignore_ascii_case(b"STARTTLS") => Command::StartTls,
        b'x' if input
            .trim_ascii_end()
            .eq_ignore_ascii_case(b"X-ANONYMOUSTLS") =>
        {
            Command::AnonymousTls
        }
        b'm' => match mail_from(input) {
            Ok((_, d)) => Command::MailFrom(d),
            Err(_) => Command::Other,
        },
        b'r' => match rcpt_to(input) {
            Ok((_, d)) => Command::RcptTo(d),
            Err(_) => Command::Other,
        },
        b'a' if verb(input, b"AUTH") => Command::Auth,
        b'd' if verb(input, b"DATA") => Command::Data,
        b'b' if verb(input, b"BDAT") => Command::Data,
        _ => Command::Other,
    }
}

/// Does the command line start with this verb, alone or followed by a space?
fn verb(input: &[u8], name: &[u8]) -> bool {
    input.len() >= name.len()
        && input[..name.len()].eq_ignore_ascii_case(name)
        && matches!(input.get(name.len()), None | Some(b' ' | b'\t' | b'\r'))
}

/// A reply line: its 3-digit code and its text, after `-` or spaces.
pub fn reply(input: &[u8]) -> IResult<&[u8], (u16, &[u8])> {
    let (rest, (code, _, text)) = (
        nom::bytes::complete::take_while_m_n(3, 3, |c: u8| c.is_ascii_digit()),
        opt(alt((tag(&b"-"[..]), space1))),
        rest,
    )
        .parse(input)?;
    let code = code.iter().fold(0u16, |a, &c| a * 10 + u16::from(c - b'0'));
    Ok((rest, (code, text)))
}

fn is_host_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_')
}

/// A word is a host name only if it has a letter: `2.6.0` (an enhanced status code) and
/// `******` (a firewall's mask) are not; a bare IP names no host name either.
fn has_letter(word: &[u8]) -> bool {
    word.iter().any(u8::is_ascii_alphabetic)
}

/// The host a `220` greeting names: its first word when that word looks like a host name
/// (letters, digits, `.-_`, with a dot and a letter). `220 ******` names none.
pub fn banner_host(text: &[u8]) -> IResult<&[u8], Option<&[u8]>> {
    let (rest, _) = space0(text)?;
    let (rest, word) = take_till(is_space).parse(rest)?;
    let host = Some(word)
        .filter(|w| w.iter().all(|&c| is_host_byte(c)) && w.contains(&b'.') && has_letter(w));
    Ok((rest, host))
}

/// Exchange's internal verbs, advertised in the EHLO reply of one Exchange server to
/// another (partners run Exchange too: these alone do not make a hop internal).
const EXCHANGE_VERBS: [&[u8]; 5] = [
    b"X-EXPS EXCHANGEAUTH",
    b"X-EXCHANGEAUTH",
    b"XEXCH50",
    b"XSHADOW",
    b"XPROXYFROM",
];

/// Does this line (or flattened reply) of an EHLO reply advertise an internal verb?
pub fn advertises_exchange_verbs(text: &[u8]) -> bool {
    (EXCHANGE_VERBS.iter()).any(|v| memchr::memmem::find(text, v).is_some())
}

/// The first word of an EHLO reply's text (`smtp.1und1.de` of `250-smtp.1und1.de`, `host`
/// of the flattened `250  host Hello [1.2.3.4] SIZE ...`).
pub fn ehlo_reply_host(text: &[u8]) -> IResult<&[u8], Option<&[u8]>> {
    let (rest, _) = space0(text)?;
    let (rest, word) = take_till(is_space).parse(rest)?;
    let host = Some(word).filter(|w| {
        has_letter(w)
            && w.iter()
                .all(|&c| is_host_byte(c) || c == b'[' || c == b']' || c == b':')
    });
    Ok((rest, host))
}

/// The protocol token of the success line: `SP_PROT_TLS1_2_SERVER`, Microsoft's documented
/// typo `SP_PROT-TLS1_0_CLIENT`, a bare Schannel number (`4096`/`8192` for TLS 1.3), or
/// anything else kept verbatim.
pub fn protocol(input: &[u8]) -> IResult<&[u8], Protocol> {
    let (rest, token) = take_till1(is_space).parse(input)?;
    let name = token
        .strip_prefix(b"SP_PROT_")
        .or_else(|| token.strip_prefix(b"SP_PROT-"))
        .unwrap_or(token);
    let name = name
        .strip_suffix(b"_SERVER")
        .or_else(|| name.strip_suffix(b"_CLIENT"))
        .unwrap_or(name);
    let p = match name {
        b"SSL2" | b"4" | b"8" => Protocol::Ssl2,
        b"SSL3" | b"16" | b"32" => Protocol::Ssl3,
        b"TLS1_0" | b"TLS1" | b"64" | b"128" => Protocol::Tls10,
        b"TLS1_1" | b"256" | b"512" => Protocol::Tls11,
        b"TLS1_2" | b"1024" | b"2048" => Protocol::Tls12,
        b"TLS1_3" | b"4096" | b"8192" => Protocol::Tls13,
        _ => Protocol::Other(String::from_utf8_lossy(token).into()),
    };
    Ok((rest, p))
}

/// `<name> with strength <n> bits`.
pub fn algorithm(input: &[u8]) -> IResult<&[u8], (&[u8], u32)> {
    let (rest, (name, _, _, _, bits, _)) = (
        take_till1(is_space),
        space1,
        tag(&b"with strength"[..]),
        space1,
        take_while1(|c: u8| c.is_ascii_digit()),
        opt(tag(&b" bits"[..])),
    )
        .parse(input)?;
    let bits = std::str::from_utf8(bits)
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(u32::MAX);
    Ok((rest, (name, bits)))
}

/// The algorithms part of the success line.
pub fn algorithms(input: &[u8]) -> IResult<&[u8], Cipher> {
    let (rest, (_, (bulk, _), _, (mac, _), _, (kex, _))) = (
        tag(&b" using bulk encryption algorithm "[..]),
        algorithm,
        tag(&b", MAC hash algorithm "[..]),
        algorithm,
        tag(&b" and key exchange algorithm "[..]),
        algorithm,
    )
        .parse(input)?;
    let s = String::from_utf8_lossy;
    Ok((rest, Cipher::new(&s(bulk), &s(mac), &s(kex))))
}

/// `TLS protocol <P> negotiation succeeded using ...`. When the algorithms part is cut off
/// or unfamiliar the protocol is still returned, with `?` for the algorithms.
pub fn tls_success(input: &[u8]) -> IResult<&[u8], (Protocol, Cipher)> {
    let (rest, (_, p, _)) = (
        tag(&b"TLS protocol "[..]),
        protocol,
        tag(&b" negotiation succeeded"[..]),
    )
        .parse(input)?;
    match algorithms(rest) {
        Ok((rest, cipher)) => Ok((rest, (p, cipher))),
        Err(_) => Ok((rest, (p, Cipher::new("?", "?", "?")))),
    }
}

/// `TLS negotiation failed with error <Name>`: the name.
pub fn tls_failure(input: &[u8]) -> IResult<&[u8], &[u8]> {
    let (rest, (_, _, name)) = (
        tag(&b"TLS negotiation failed"[..]),
        opt(value((), tag(&b" with error "[..]))),
        take_while(|c: u8| !is_space(c)),
    )
        .parse(input)?;
    Ok((rest, name))
}

/// A disconnect reason saying the remote's socket went away: `Remote(SocketError)`,
/// `Remote(ConnectionReset)` (any case).
pub fn remote_drop(reason: &[u8]) -> bool {
    let mut dropped = (
        tag_no_case(&b"Remote("[..]),
        alt((
            tag_no_case(&b"SocketError"[..]),
            tag_no_case(&b"ConnectionReset"[..]),
        )),
        tag(&b")"[..]),
    );
    let parsed: IResult<&[u8], _> = dropped.parse(reason);
    parsed.is_ok()
}

/// `Overriding connector TLS configuration: TlsAuthLevel -> .. : .., IgnoreSTARTTLS -> ..,
/// RequireTLS -> {connector} : {effective}`: whether the send session required TLS, the
/// effective value (after the colon) being what Exchange acted on.
pub fn require_tls_override(input: &[u8]) -> IResult<&[u8], bool> {
    let (rest, _) = tag(&b"Overriding connector TLS configuration:"[..]).parse(input)?;
    let at = memchr::memmem::find(rest, b"RequireTLS ->")
        .ok_or_else(|| nom::Err::Error(nom::error::Error::new(rest, nom::error::ErrorKind::Tag)))?;
    let (rest, (_, _, _, _, _, effective)) = (
        tag(&b"RequireTLS ->"[..]),
        space0,
        take_till(|c| c == b':' || c == b','),
        tag(&b":"[..]),
        space0,
        alt((
            value(true, tag_no_case(&b"True"[..])),
            value(false, tag_no_case(&b"False"[..])),
        )),
    )
        .parse(&rest[at..])?;
    Ok((rest, effective))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn require_tls_override_effective_value() {
        let line = b"Overriding connector TLS configuration: TlsAuthLevel -> : CertificateValidation, IgnoreSTARTTLS -> False : False, RequireTLS -> False : True";
        let (rest, required) = require_tls_override(line).unwrap();
        assert_eq!(rest, EMPTY);
        assert!(required);
        let line = b"Overriding connector TLS configuration: TlsAuthLevel -> : , IgnoreSTARTTLS -> False : False, RequireTLS -> True : False, more";
        let (rest, required) = require_tls_override(line).unwrap();
        assert_eq!(rest, b", more");
        assert!(!required);
        assert!(require_tls_override(b"Overriding connector TLS configuration: nothing").is_err());
        assert!(require_tls_override(b"TLS protocol SP_PROT_TLS1_2_CLIENT").is_err());
    }

    const EMPTY: &[u8] = b"";

    #[test]
    fn remote_drop_socket_reasons_only() {
        assert!(remote_drop(b"Remote(SocketError)"));
        assert!(remote_drop(b"remote(ConnectionReset)"));
        assert!(!remote_drop(b"Remote"));
        assert!(!remote_drop(b"Remote(Timeout)"));
        assert!(!remote_drop(b"Local"));
    }

    #[test]
    fn hello_ehlo_and_helo() {
        assert_eq!(
            hello(b"EHLO mail.globex.co.uk"),
            Ok((EMPTY, &b"mail.globex.co.uk"[..]))
        );
        assert_eq!(hello(b"helo KM-C458-3F"), Ok((EMPTY, &b"KM-C458-3F"[..])));
        assert_eq!(
            hello(b"EHLO [10.0.5.23] x"),
            Ok((&b" x"[..], &b"[10.0.5.23]"[..]))
        );
        assert_eq!(hello(b"EHLO"), Ok((EMPTY, EMPTY)));
        assert!(hello(b"MAIL FROM:<a@b>").is_err());
    }

    #[test]
    fn mail_from_domain() {
        assert_eq!(
            mail_from(b"MAIL FROM:<alice@Globex.co.uk> SIZE=1234"),
            Ok((&b" SIZE=1234"[..], Some(&b"Globex.co.uk"[..])))
        );
        assert_eq!(
            mail_from(b"mail from: <bob@x.org>"),
            Ok((EMPTY, Some(&b"x.org"[..])))
        );
        assert_eq!(mail_from(b"MAIL FROM:<>"), Ok((EMPTY, None)));
        assert_eq!(
            mail_from(b"MAIL FROM:bob@x.org"),
            Ok((EMPTY, Some(&b"x.org"[..])))
        );
    }

    #[test]
    fn rcpt_to_domain() {
        assert_eq!(
            rcpt_to(b"RCPT TO:<c@partner.de>"),
            Ok((EMPTY, Some(&b"partner.de"[..])))
        );
        assert!(rcpt_to(b"RCPT FROM:<c@partner.de>").is_err());
    }

    #[test]
    fn command_dispatch() {
        assert_eq!(command(b"STARTTLS"), Command::StartTls);
        assert_eq!(command(b"starttls "), Command::StartTls);
        assert_eq!(command(b"X-ANONYMOUSTLS"), Command::AnonymousTls);
        assert_eq!(command(b"EHLO a.b"), Command::Hello(b"a.b"));
        assert_eq!(command(b"QUIT"), Command::Other);
        assert_eq!(command(b""), Command::Other);
        assert_eq!(command(b"RSET"), Command::Other);
    }

    #[test]
    fn reply_code_and_text() {
        assert_eq!(
            reply(b"220 smtp.1und1.de (mrbap1)"),
            Ok((EMPTY, (220, &b"smtp.1und1.de (mrbap1)"[..])))
        );
        assert_eq!(reply(b"250-STARTTLS"), Ok((EMPTY, (250, &b"STARTTLS"[..]))));
        assert_eq!(
            reply(b"250  host Hello"),
            Ok((EMPTY, (250, &b"host Hello"[..])))
        );
        assert!(reply(b"EHLO x").is_err());
    }

    #[test]
    fn banner_host_named_and_masked() {
        assert_eq!(
            banner_host(b"VI1EUR04FT012.mail.protection.outlook.com Microsoft ESMTP MAIL Service ready at Thu, 21 Mar 2019"),
            Ok((&b" Microsoft ESMTP MAIL Service ready at Thu, 21 Mar 2019"[..], Some(&b"VI1EUR04FT012.mail.protection.outlook.com"[..])))
        );
        assert_eq!(banner_host(b"*******************").unwrap().1, None);
        assert_eq!(banner_host(b"ESMTP ready").unwrap().1, None);
        assert_eq!(banner_host(b"").unwrap().1, None);
        assert_eq!(banner_host(b"2.0.0 SMTP server ready").unwrap().1, None);
    }

    #[test]
    fn ehlo_reply_host_is_never_a_status_code() {
        // `250 2.6.0 <id> Queued mail` once made a partner named `6.0`.
        assert_eq!(ehlo_reply_host(b"2.6.0 <a@b> Queued mail").unwrap().1, None);
        assert_eq!(ehlo_reply_host(b"2.1.0 Sender OK").unwrap().1, None);
        assert_eq!(
            ehlo_reply_host(b"mx1.x.example Hello").unwrap(),
            (&b" Hello"[..], Some(&b"mx1.x.example"[..]))
        );
    }

    #[test]
    fn command_auth_and_data() {
        assert_eq!(command(b"AUTH LOGIN"), Command::Auth);
        assert_eq!(command(b"auth"), Command::Auth);
        assert_eq!(command(b"DATA"), Command::Data);
        assert_eq!(command(b"BDAT 1024 LAST"), Command::Data);
        assert_eq!(command(b"DATAX"), Command::Other);
        assert_eq!(command(b"AUTHORITY"), Command::Other);
    }

    #[test]
    fn exchange_verbs_in_an_ehlo_reply() {
        assert!(advertises_exchange_verbs(b"250-X-EXPS EXCHANGEAUTH"));
        assert!(advertises_exchange_verbs(
            b"250 ex02 Hello [10.0.0.1] SIZE XEXCH50 XSHADOW"
        ));
        assert!(!advertises_exchange_verbs(b"250-STARTTLS"));
    }

    #[test]
    fn ehlo_reply_host_first_word() {
        assert_eq!(
            ehlo_reply_host(b"smtp.1und1.de").unwrap().1,
            Some(&b"smtp.1und1.de"[..])
        );
        assert_eq!(
            ehlo_reply_host(b" mx.partner.com Hello [1.2.3.4] SIZE").unwrap(),
            (&b" Hello [1.2.3.4] SIZE"[..], Some(&b"mx.partner.com"[..]))
        );
        assert_eq!(ehlo_reply_host(b"*****").unwrap().1, None);
    }

    #[test]
    fn protocol_forms() {
        let p = |s: &[u8]| protocol(s).unwrap().1;
        assert_eq!(p(b"SP_PROT_TLS1_2_SERVER"), Protocol::Tls12);
        assert_eq!(p(b"SP_PROT_TLS1_0_CLIENT"), Protocol::Tls10);
        assert_eq!(p(b"SP_PROT-TLS1_0_CLIENT"), Protocol::Tls10);
        assert_eq!(p(b"SP_PROT_SSL3_SERVER"), Protocol::Ssl3);
        assert_eq!(p(b"SP_PROT_SSL2_CLIENT"), Protocol::Ssl2);
        assert_eq!(p(b"SP_PROT_TLS1_1_SERVER"), Protocol::Tls11);
        assert_eq!(p(b"SP_PROT_TLS1_3_SERVER"), Protocol::Tls13);
        assert_eq!(p(b"4096"), Protocol::Tls13);
        assert_eq!(p(b"8192"), Protocol::Tls13);
        assert_eq!(p(b"16384"), Protocol::Other("16384".into()));
        assert_eq!(
            p(b"SP_PROT_PCT1_SERVER"),
            Protocol::Other("SP_PROT_PCT1_SERVER".into())
        );
        assert_eq!(p(b"Zero"), Protocol::Other("Zero".into()));
        assert_eq!(
            protocol(b"SP_PROT_TLS1_2_SERVER negotiation").unwrap().0,
            b" negotiation"
        );
    }

    #[test]
    fn algorithm_with_strength() {
        assert_eq!(
            algorithm(b"CALG_AES_256 with strength 256 bits, MAC"),
            Ok((&b", MAC"[..], (&b"CALG_AES_256"[..], 256)))
        );
    }

    #[test]
    fn tls_success_full_line() {
        let line = b"TLS protocol SP_PROT_TLS1_2_SERVER negotiation succeeded using bulk encryption algorithm CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 bits and key exchange algorithm CALG_ECDH_EPHEM with strength 384 bits";
        let (rest, (p, c)) = tls_success(line).unwrap();
        assert_eq!(rest, EMPTY);
        assert_eq!(p, Protocol::Tls12);
        assert_eq!(c.label(), "AES_256/SHA_384/ECDHE");
    }

    #[test]
    fn tls_success_numbers_and_none_kept() {
        let line = b"TLS protocol 8192 negotiation succeeded using bulk encryption algorithm 26128 with strength 256 bits, MAC hash algorithm None with strength 0 bits and key exchange algorithm CALG_ECDHE with strength 256 bits";
        let (_, (p, c)) = tls_success(line).unwrap();
        assert_eq!(p, Protocol::Tls13);
        assert_eq!(c.label(), "26128/None/ECDHE");
    }

    #[test]
    fn tls_success_truncated_keeps_protocol() {
        let (_, (p, c)) = tls_success(
            b"TLS protocol SP_PROT_TLS1_0_SERVER negotiation succeeded using bulk encr",
        )
        .unwrap();
        assert_eq!(p, Protocol::Tls10);
        assert_eq!(c.label(), "?/?/?");
    }

    #[test]
    fn tls_failure_reason() {
        assert_eq!(
            tls_failure(b"TLS negotiation failed with error NoCredentials"),
            Ok((EMPTY, &b"NoCredentials"[..]))
        );
        assert_eq!(
            tls_failure(b"TLS negotiation failed with error SocketError extra"),
            Ok((&b" extra"[..], &b"SocketError"[..]))
        );
        assert!(tls_failure(b"TLS protocol SP_PROT_TLS1_2_SERVER").is_err());
    }
}
