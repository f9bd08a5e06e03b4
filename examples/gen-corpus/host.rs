//! Remote hosts: who they are (partner MTA, address-literal client, device, submitting
//! client, bot), how they greet, the direction their receive sessions count in, and the
//! TLS profile and certificate each keeps for the whole corpus.

use crate::expected::{DIR_CLIENT, DIR_IN};
use crate::fallback::After;
use crate::rng::{hash_hex, Rng};
use crate::tls::{host_suites, Profile, Suite};
use crate::world::ip_str;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    Partner,
    Literal,
    Device,
    /// a device or application on an internal address that authenticates (AUTH LOGIN)
    /// at the client submission connector before it sends
    Submitter,
    Bot,
}

/// The MTA software a partner runs, which shapes its 220 banner, EHLO reply and
/// queued-mail reply in our send logs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Banner {
    Postfix,
    Exim,
    Ms,
    Google,
    Iis,
    Sendmail,
    Plain,
}

pub struct Host {
    pub kind: HostKind,
    /// the direction its receive sessions count in: `DIR_CLIENT` or `DIR_IN`
    pub dir: u8,
    pub name: String,   // as written in EHLO (case, trailing dot, [literal])
    pub banner: String, // host name in the 220 banner (outbound)
    pub ip: u32,
    pub ipstr: String,
    pub pid: u32,
    /// domain used in MAIL FROM (inbound) / RCPT TO (outbound); None = random partner domain
    pub mail_domain: Option<u32>,
    pub profile: Profile,
    pub s13: Suite,
    pub s12: Suite,
    pub s10: Suite,
    pub sold: Suite,
    pub style: Banner,
    pub helo: bool,
    pub client_cert: bool,
    pub cert_cn: String,
    pub issuer: &'static str,
    pub serial: String,
    pub thumb: String,
    /// what it does after a failed STARTTLS as a sender (see `fallback`)
    pub retry_in: After,
    /// what our send connector does after a failed STARTTLS to it
    pub retry_out: After,
    /// drops the handshake when our server offers more than TLS 1.0
    pub drops_above_10: bool,
    /// our send connector requires TLS for its partner: logged, never cleartext
    pub require_tls: bool,
}

/// What the world decides about a host; `Host::new` draws the rest (suites, HELO habit,
/// client certificate, issuer).
pub struct HostSpec {
    pub kind: HostKind,
    pub name: String,
    pub banner: String,
    pub ip: u32,
    /// interned partner key the ground truth counts this host under
    pub pid: u32,
    pub mail_domain: Option<u32>,
    pub profile: Profile,
    pub style: Banner,
    /// certificate CN; empty for hosts that never present one
    pub cert_cn: String,
}

const ISSUERS: &[&str] = &[
    "CN=R3, O=Let's Encrypt, C=US",
    "CN=R11, O=Let's Encrypt, C=US",
    "CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1, O=DigiCert Inc, C=US",
    "CN=Sectigo RSA Domain Validation Secure Server CA, O=Sectigo Limited, L=Salford, S=Greater Manchester, C=GB",
    "CN=GeoTrust TLS RSA CA G1, OU=www.digicert.com, O=DigiCert Inc, C=US",
    "CN=Thawte RSA CA 2018, OU=www.digicert.com, O=DigiCert Inc, C=US",
];

impl Host {
    /// Host number `idx` (its index in the world) from its spec. `idx` seeds the serial and
    /// thumbprint, so they stay put when other draws change.
    pub fn new(rng: &mut Rng, spec: HostSpec, idx: u64) -> Host {
        let HostSpec {
            kind,
            name,
            banner,
            ip,
            pid,
            mail_domain,
            profile,
            style,
            cert_cn,
        } = spec;
        let [s13, s12, s10, sold] = host_suites(profile, rng);
        // The draws below keep their order: the corpus is a function of it.
        // A submitter says EHLO: AUTH needs it.
        let helo = profile == Profile::Clear && rng.chance(0.3) && kind != HostKind::Submitter;
        let client_cert = kind == HostKind::Partner
            && matches!(profile, Profile::Modern | Profile::Tls12)
            && rng.chance(0.25);
        let issuer = rng.pick_str(ISSUERS);
        let dir = if is_client(kind, ip, &name) {
            DIR_CLIENT
        } else {
            DIR_IN
        };
        Host {
            kind,
            dir,
            name,
            banner,
            ip,
            ipstr: ip_str(ip),
            pid,
            mail_domain,
            profile,
            s13,
            s12,
            s10,
            sold,
            style,
            helo,
            client_cert,
            cert_cn,
            issuer,
            serial: hash_hex(idx.wrapping_mul(31) ^ 0xABCD, 32),
            thumb: hash_hex(idx.wrapping_mul(17) ^ 0x1234, 40),
            // set by `fallback::draw_habits` once the world stands
            retry_in: After::Clear,
            retry_out: After::Clear,
            drops_above_10: false,
            require_tls: false,
        }
    }
}

/// The MTA software of a partner host: old TLS goes with old software.
pub fn style_for(profile: Profile, rng: &mut Rng) -> Banner {
    match profile {
        Profile::Tls10 | Profile::Tls10Weak | Profile::Ssl3 | Profile::Ssl2 | Profile::Tls11 => rng
            .weighted(&[
                (Banner::Iis, 40),
                (Banner::Sendmail, 25),
                (Banner::Postfix, 15),
                (Banner::Plain, 20),
            ]),
        _ => rng.weighted(&[
            (Banner::Postfix, 40),
            (Banner::Exim, 20),
            (Banner::Ms, 25),
            (Banner::Sendmail, 5),
            (Banner::Plain, 10),
        ]),
    }
}

/// The name as the host writes it in EHLO: mostly as registered, sometimes upper-case or
/// capitalised per label, sometimes with a trailing dot. The ground truth must see
/// through all three.
pub fn case_variant(rng: &mut Rng, name: &str) -> String {
    let r = rng.f64();
    let mut s = if r < 0.04 {
        name.to_ascii_uppercase()
    } else if r < 0.08 {
        // Capitalise each label: Mail.Partner12.Com
        name.split('.')
            .map(|l| {
                let mut c = l.chars();
                match c.next() {
                    Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                    None => String::new(),
                }
            })
            .collect::<Vec<_>>()
            .join(".")
    } else {
        name.to_string()
    };
    if rng.chance(0.03) {
        s.push('.');
    }
    s
}

/// 10/8, 172.16/12, 192.168/16, 127/8, 169.254/16, 100.64/10: where an internal client is.
pub fn private_ip(ip: u32) -> bool {
    let (a, b) = (ip >> 24, (ip >> 16) & 255);
    a == 10
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 168)
        || a == 127
        || (a == 169 && b == 254)
        || (a == 100 && (64..128).contains(&b))
}

/// Top-level labels of the names the generator writes that are not on the Public Suffix
/// List (`example` among them: `app01.corp.example` is no public domain). Every other
/// dotted name it writes ends in a listed suffix (`SUFFIXES`, the providers' `com`).
const NON_PUBLIC_TLDS: &[&str] = &[
    "example",
    "local",
    "lan",
    "intra",
    "corp",
    "internal",
    "test",
    "invalid",
    "localhost",
];

/// Whether an EHLO name is a name under a public suffix: not empty, not a bare name, not
/// an address literal, not under `.home.arpa` or a suffix off the list.
pub fn public_name(name: &str) -> bool {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    if n.is_empty() || n.starts_with('[') || !n.contains('.') || n.ends_with(".home.arpa") {
        return false;
    }
    let tld = n.rsplit('.').next().unwrap_or("");
    !NON_PUBLIC_TLDS.contains(&tld)
}

/// Whether the receive sessions of a host count as `client`: it authenticates (a
/// submitter), or it is at a private address and greets with no public domain. A host
/// whose EHLO name is drawn per session (a bot) has `name` empty and a public address.
pub fn is_client(kind: HostKind, ip: u32, name: &str) -> bool {
    kind == HostKind::Submitter || (private_ip(ip) && !public_name(name))
}

/// The partner a client counts under: its EHLO name lower-cased without the trailing dot,
/// or its address when it names none (or an address literal).
pub fn client_partner(name: &str, ipstr: &str) -> String {
    let n = name.trim_end_matches('.');
    if n.is_empty() || n.starts_with('[') {
        ipstr.to_string()
    } else {
        n.to_ascii_lowercase()
    }
}
