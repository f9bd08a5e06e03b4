//! What our servers say, whichever side of a session they are on: banners, EHLO replies,
//! certificates, the TLS success line, queued-mail replies, and the messages themselves.

use crate::expected::{out_of, Out};
use crate::host::Host;
use crate::rng::Rng;
use crate::server::{Flavor, Srv};
use crate::session::{Local, Session, State};
use crate::time::rfc;
use crate::tls::{Suite, Ver, AES128_CBC_ECDH, AES256_GCM};
use crate::world::World;

pub const PERMS_ANON: &str = "SMTPSubmit SMTPAcceptAnyRecipient SMTPAcceptAnySender SMTPAcceptAuthoritativeDomainSender AcceptRoutingHeaders";
/// What an authenticated client may do at the client connector.
pub const PERMS_SUBMIT: &str = "SMTPSubmit SMTPAcceptAnyRecipient SMTPAcceptAnySender SMTPAcceptAuthoritativeDomainSender BypassAntiSpam BypassMessageSizeLimit SMTPAcceptEXCH50 AcceptRoutingHeaders AcceptOrgHeaders";
pub const PERMS_INT: &str = "SMTPSubmit SMTPAcceptAnyRecipient SMTPAcceptAuthenticationFlag SMTPAcceptAnySender SMTPAcceptAuthoritativeDomainSender BypassAntiSpam BypassMessageSizeLimit SMTPAcceptEXCH50 AcceptRoutingHeaders";

pub const LOCAL_PARTS: &[&str] = &[
    "info",
    "noreply",
    "john.smith",
    "a.mueller",
    "billing",
    "support",
    "j.dupont",
    "sales",
    "hr",
    "m.rossi",
    "newsletter",
    "k.tanaka",
    "orders",
    "invoice",
    "s.jones",
    "postmaster",
    "bounce-7731",
    "l.jansen",
    "service",
];

/// The TLS success line, when this server's version logs one, and what the session then
/// counts as: the version and whether the suite is weak, or unknown without the line.
pub fn negotiated(s: &mut Session, l: Local, v: Ver, client: bool, suite: &Suite) -> (Out, bool) {
    if l.srv.flavor.logs_tls() {
        let line = tls_line(l.srv.flavor, v, client, suite, l.now, l.w.mid_ms);
        s.r("*", "", &line);
        s.logged_ver = Some(v);
        (out_of(v), suite.weak())
    } else {
        (Out::Unknown, false)
    }
}

/// TLS 1.3 is printed as the raw Schannel number before mid-period and by name after: the
/// cumulative update in the middle of the period changed it.
fn tls_line(flavor: Flavor, v: Ver, client: bool, s: &Suite, now: u64, mid: u64) -> String {
    let side = if client { "CLIENT" } else { "SERVER" };
    let proto = match v {
        Ver::T13 => {
            if now < mid {
                (if client { "8192" } else { "4096" }).to_string()
            } else {
                format!("SP_PROT_TLS1_3_{side}")
            }
        }
        Ver::T12 => format!("SP_PROT_TLS1_2_{side}"),
        Ver::T11 => format!("SP_PROT_TLS1_1_{side}"),
        Ver::T10 => format!("SP_PROT_TLS1_0_{side}"),
        Ver::Ssl3 => format!("SP_PROT_SSL3_{side}"),
        Ver::Ssl2 => format!("SP_PROT_SSL2_{side}"),
    };
    format!(
        "TLS protocol {proto} negotiation succeeded using bulk encryption algorithm {} with strength {} bits, MAC hash algorithm {} with strength {} bits and key exchange algorithm {} with strength {} bits",
        s.bulk,
        s.bbits,
        s.mac,
        s.mbits,
        flavor.kex_name(s.kex),
        s.kbits
    )
}

/// A certificate as a log shows it.
struct Cert<'a> {
    subject: &'a str,
    issuer: &'a str,
    serial: &'a str,
    thumb: &'a str,
    not_before: &'a str,
    not_after: &'a str,
    sans: &'a str,
}

/// The certificate rows: one `*` row with every field (2019) or one row per field.
fn cert_rows(s: &mut Session, single: bool, kind: &str, c: &Cert) {
    if single {
        let data = format!(
            " {} {} {} {} {} {} {}",
            c.subject, c.issuer, c.serial, c.thumb, c.not_before, c.not_after, c.sans
        );
        let ctx = format!("{kind} Subject Issuer name Serial number Thumbprint Not before Not after Subject alternate names");
        s.r("*", &data, &ctx);
    } else {
        s.r("*", "", kind);
        s.r("*", c.subject, "Certificate subject");
        s.r("*", c.issuer, "Certificate issuer name");
        s.r("*", c.serial, "Certificate serial number");
        s.r("*", c.thumb, "Certificate thumbprint");
        s.r("*", c.sans, "Certificate alternate names");
    }
}

const ORG_ISSUER: &str = "CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1, O=DigiCert Inc, C=US";

/// A server's certificate: its self-signed one between our servers, the organisation's
/// public one towards the internet.
pub fn our_cert(s: &mut Session, srv: &Srv, internal: bool, kind: &str) {
    let single = srv.flavor.single_row_cert();
    if internal {
        let subject = format!("CN={}", srv.name);
        let sans = format!("{};{}", srv.name, srv.fqdn);
        let cert = Cert {
            subject: &subject,
            issuer: &subject,
            serial: &srv.serial,
            thumb: &srv.thumb,
            not_before: "2024-03-01T09:12:44.000Z",
            not_after: "2029-03-01T09:12:44.000Z",
            sans: &sans,
        };
        cert_rows(s, single, kind, &cert);
    } else {
        let sans = format!("mail.org.example;autodiscover.org.example;{}", srv.fqdn);
        let cert = Cert {
            subject: "CN=mail.org.example, O=Org Example AG, L=Zurich, C=CH",
            issuer: ORG_ISSUER,
            serial: "0C3F6A1B22D4E5F60718293A4B5C6D7E",
            thumb: "9F8E7D6C5B4A39281706F5E4D3C2B1A091827364",
            not_before: "2026-02-10T00:00:00.000Z",
            not_after: "2027-02-09T23:59:59.000Z",
            sans: &sans,
        };
        cert_rows(s, single, kind, &cert);
    }
}

/// A remote host's certificate; a wildcard CN also covers the bare domain.
pub fn host_cert(s: &mut Session, single: bool, kind: &str, h: &Host) {
    let subject = format!("CN={}", h.cert_cn);
    let bare = h.cert_cn.trim_start_matches("*.");
    let sans = if h.cert_cn.starts_with("*.") {
        format!("{};{}", h.cert_cn, bare)
    } else {
        h.cert_cn.clone()
    };
    let cert = Cert {
        subject: &subject,
        issuer: h.issuer,
        serial: &h.serial,
        thumb: &h.thumb,
        not_before: "2026-09-14T00:00:00.000Z",
        not_after: "2026-12-13T23:59:59.000Z",
        sans: &sans,
    };
    cert_rows(s, single, kind, &cert);
}

pub fn our_banner(srv: &Srv, now: u64) -> String {
    format!(
        "220 {} Microsoft ESMTP MAIL Service ready at {}",
        srv.fqdn,
        rfc(now, 0)
    )
}

/// Our reply to EHLO (or HELO) from `ip`, as a receive log flattens it into one row.
/// STARTTLS is offered until TLS is up; internal peers get the Exchange extensions.
pub fn our_ehlo_reply(srv: &Srv, ip: &str, helo: bool, starttls: bool, internal: bool) -> String {
    if helo {
        return format!("250 {} Hello [{}]", srv.fqdn, ip);
    }
    let mut s = format!(
        "250  {} Hello [{}] SIZE 37748736 PIPELINING DSN ENHANCEDSTATUSCODES",
        srv.fqdn, ip
    );
    if starttls {
        s.push_str(" STARTTLS X-ANONYMOUSTLS");
    }
    s.push_str(" AUTH NTLM");
    if internal && !starttls {
        s.push_str(" X-EXPS EXCHANGEAUTH GSSAPI NTLM");
    } else {
        s.push_str(" X-EXPS GSSAPI NTLM");
    }
    s.push_str(" 8BITMIME BINARYMIME CHUNKING");
    if internal {
        s.push_str(" XEXCH50 XRDST XSHADOWREQUEST XPROXY XPROXYFROM XSESSIONPARAMS");
    } else {
        s.push_str(" SMTPUTF8 XRDST");
    }
    s
}

/// Server `srv_i`'s reply to the end of a message; 2019 adds the transfer rate.
pub fn queued_reply(srv: &Srv, st: &mut State, srv_i: usize, msgid: &str, size: u64) -> String {
    st.internal_id[srv_i] += 1;
    let iid = st.internal_id[srv_i];
    match srv.flavor {
        Flavor::Ex2010 => format!("250 2.6.0 {msgid} Queued mail for delivery"),
        Flavor::Ex2019 => format!(
            "250 2.6.0 {msgid} [InternalId={iid}, Hostname={}] {size} bytes in {}.{:03}, {}.{:03} KB/sec Queued mail for delivery",
            srv.fqdn,
            st.rng.below(2),
            st.rng.below(1000),
            st.rng.range(10, 900),
            st.rng.below(1000)
        ),
        _ => format!("250 2.6.0 {msgid} [InternalId={iid}, Hostname={}] Queued mail for delivery", srv.fqdn),
    }
}

/// The EHLO reply of one of our servers as another one's send log shows it.
pub fn exchange_ehlo_lines(peer: &Srv, from_ip: &str, xanon: bool) -> Vec<String> {
    let mut v = vec![format!("{} Hello [{}]", peer.fqdn, from_ip)];
    for k in ["SIZE 37748736", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES"] {
        v.push(k.to_string());
    }
    if xanon {
        v.push("STARTTLS".into());
        v.push("X-ANONYMOUSTLS".into());
        v.push("AUTH NTLM".into());
        v.push("X-EXPS GSSAPI NTLM".into());
    } else {
        v.push("AUTH NTLM".into());
        v.push("X-EXPS EXCHANGEAUTH GSSAPI NTLM".into());
    }
    for k in [
        "8BITMIME",
        "BINARYMIME",
        "CHUNKING",
        "XEXCH50",
        "XRDST",
        "XSHADOWREQUEST",
        "XPROXY",
        "XPROXYFROM",
        "XSESSIONPARAMS",
    ] {
        v.push(k.to_string());
    }
    v
}

/// EHLO reply as seen in a send log: one flattened row or one row per line.
pub fn ehlo_reply_rows(s: &mut Session, flat: bool, lines: &[String]) {
    if flat {
        s.r("<", &format!("250  {}", lines.join(" ")), "");
    } else {
        for (i, l) in lines.iter().enumerate() {
            let sep = if i + 1 == lines.len() { ' ' } else { '-' };
            s.r("<", &format!("250{sep}{l}"), "");
        }
    }
}

/// Between our servers TLS is what the older of the two speaks: TLS 1.0 when one of
/// them is a 2010 or the TLS 1.0-only server.
pub fn internal_dec(a: &Srv, b: &Srv) -> (Ver, Suite) {
    if a.max_ver.min(b.max_ver) <= Ver::T10 {
        (Ver::T10, AES128_CBC_ECDH)
    } else {
        (Ver::T12, AES256_GCM)
    }
}

/// The XPROXYFROM a FrontEnd sends ahead of proxied mail: the original client's session.
pub fn xproxyfrom(w: &World, st: &mut State) -> String {
    let hid = w.pick_partner_host(&mut st.rng);
    let h = &w.hosts[hid as usize];
    format!(
        "XPROXYFROM SID={:016X} IP={} PORT={} DOMAIN={} SEQNUM={} PERMS=1073 AUTHSRC=Anonymous",
        (st.rng.next() & 0x0000_FFFF_FFFF_FFFF) | 0x08DE_0000_0000_0000,
        h.ipstr,
        st.rng.range(1025, 65000),
        h.name.trim_end_matches('.'),
        st.rng.range(1, 3)
    )
}

pub fn msg_id(rng: &mut Rng, dom: &str) -> String {
    format!(
        "<{}.{}@{}>",
        rng.hex(16).to_ascii_lowercase(),
        rng.range(1000, 99999),
        dom
    )
}

/// Message sizes: mostly small, a long tail to 4 MB.
pub fn msg_size(rng: &mut Rng) -> u64 {
    let r = rng.f64();
    (2000.0 + r * r * r * 4_000_000.0) as u64
}
