//! gen-corpus — deterministic generator of Microsoft Exchange SMTP protocol-log corpora.
//!
//! Writes a tree of SmtpReceive / SmtpSend protocol logs shaped like the real ones
//! (BOM + header block, CRLF, hourly or daily files with size rollover, many interleaved
//! sessions crossing file boundaries) plus `OUT_DIR/expected.csv`, the ground truth per
//! (direction, partner), computed from what the generator decided — not by re-parsing.
//!
//! Standard library only (it must build standalone with `rustc`), deterministic for a
//! given set of flags: same flags + seed => byte-identical corpus.
//!
//!     cargo run --release --example gen-corpus -- --size 1GiB --seed 42 target/corpus
//!     rustc -O --edition 2021 examples/gen-corpus.rs -o /tmp/gen-corpus && /tmp/gen-corpus --size 50MiB /tmp/corpus
//!
//! Model (see `--help` for the flags):
//! * servers EX01..EXnn in `corp.example`; flavours cycle 2019, 2016, 2013; the last
//!   `--legacy` servers are Exchange 2010. 2019: hourly files, single-row certificates,
//!   flattened EHLO replies in send logs, TLS 1.3 printed as `4096`/`8192` before the
//!   middle of the period and as `SP_PROT_TLS1_3_*` after (a CU upgrade). 2016: hourly,
//!   multi-row certificates, one row per EHLO-reply line. 2013: daily files (`RECVyyyyMMdd-N`),
//!   `CALG_ECDHE`. 2010: `#Version: 14.0.0.0`, `ProtocolLog\SmtpReceive|SmtpSend` without the
//!   FrontEnd/Hub level, daily files, and NO TLS protocol line (=> tls_unknown).
//! * partners: generated domains `partnerNNN.<suffix>` (known suffixes, all on the PSL)
//!   with 1–6 MTAs each, plus big providers (outlook.com, google.com, amazonses.com,
//!   mimecast.com) with many MTAs; bare-name devices, `EHLO [ip]` clients, scanners.
//!   Every host has a stable TLS profile (modern, TLS1.2, TLS1.0-only, mixed, SSL3, ...).
//! * internal hops: FrontEnd -> Hub proxy (port 2525) and Hub <-> Hub, X-ANONYMOUSTLS.
//!
//! expected.csv semantics: direction = inbound (receive logs) / outbound (send logs) /
//! internal (remote is one of the generated servers or X-ANONYMOUSTLS was used).
//! partner = registrable domain of the EHLO name (inbound) or of the host in the remote's
//! 220 banner (outbound), lower-cased, trailing dot removed; bare names, address literals
//! and sessions without a name => the remote IP; internal => the peer server's FQDN
//! lower-cased. Outcome columns (tls1_3..cleartext) partition `sessions`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

// ───────────────────────────── PRNG (splitmix64) ─────────────────────────────

struct Rng {
    s: u64,
}

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng {
            s: seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03),
        };
        r.next();
        r
    }
    #[inline]
    fn next(&mut self) -> u64 {
        self.s = self.s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.s)
    }
    #[inline]
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
    #[inline]
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    #[inline]
    fn f64(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    #[inline]
    fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    fn pick_str(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.below(xs.len() as u64) as usize]
    }
    fn weighted<T: Copy>(&mut self, xs: &[(T, u32)]) -> T {
        let total: u32 = xs.iter().map(|x| x.1).sum();
        let mut r = self.below(total as u64) as u32;
        for &(v, w) in xs {
            if r < w {
                return v;
            }
            r -= w;
        }
        xs[xs.len() - 1].0
    }
    fn hex(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n);
        for _ in 0..n {
            s.push(HEX[self.below(16) as usize] as char);
        }
        s
    }
}

#[inline]
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn hash_hex(seed: u64, n: usize) -> String {
    let mut r = Rng::new(seed, 77);
    r.hex(n)
}

// ───────────────────────────── time ─────────────────────────────

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = (y - era * 400) as u64;
    let mp = (m as u64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as u64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe as i64 - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u64;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i64 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

struct Tm {
    y: i64,
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    s: u32,
    ms: u32,
    wd: usize,
}

fn tm(ms: u64) -> Tm {
    let days = (ms / 86_400_000) as i64;
    let rem = ms % 86_400_000;
    let (y, mo, d) = civil_from_days(days);
    Tm {
        y,
        mo,
        d,
        h: (rem / 3_600_000) as u32,
        mi: (rem / 60_000 % 60) as u32,
        s: (rem / 1000 % 60) as u32,
        ms: (rem % 1000) as u32,
        wd: ((days + 4).rem_euclid(7)) as usize,
    }
}

fn iso(ms: u64) -> String {
    let t = tm(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.y, t.mo, t.d, t.h, t.mi, t.s, t.ms
    )
}

const WDAY: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MON: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "Wed, 25 Nov 2026 14:00:00 +0000" (offset_h shifts the clock and the zone)
fn rfc(ms: u64, offset_h: u64) -> String {
    let t = tm(ms + offset_h * 3_600_000);
    format!(
        "{}, {} {} {} {:02}:{:02}:{:02} +{:02}00",
        WDAY[t.wd],
        t.d,
        MON[(t.mo - 1) as usize],
        t.y,
        t.h,
        t.mi,
        t.s,
        offset_h
    )
}

/// Formats `yyyy-MM-ddTHH:mm:ss.fffZ`, caching the part up to the seconds.
struct TsFmt {
    sec: u64,
    pre: Vec<u8>,
}

impl TsFmt {
    fn push(&mut self, out: &mut Vec<u8>, ms: u64) {
        let sec = ms / 1000;
        if sec != self.sec || self.pre.is_empty() {
            self.sec = sec;
            let s = iso(sec * 1000);
            self.pre.clear();
            self.pre.extend_from_slice(&s.as_bytes()[..20]);
        }
        out.extend_from_slice(&self.pre);
        let m = (ms % 1000) as u32;
        out.push(b'0' + (m / 100) as u8);
        out.push(b'0' + (m / 10 % 10) as u8);
        out.push(b'0' + (m % 10) as u8);
        out.push(b'Z');
    }
}

// ───────────────────────────── TLS model ─────────────────────────────

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Ver {
    Ssl2,
    Ssl3,
    T10,
    T11,
    T12,
    T13,
}

#[derive(Clone, Copy)]
enum Kex {
    Ecdh,
    Rsa,
    Dh,
}

#[derive(Clone, Copy)]
struct Suite {
    bulk: &'static str,
    bbits: u16,
    mac: &'static str,
    mbits: u16,
    kex: Kex,
    kbits: u16,
}

impl Suite {
    fn weak(&self) -> bool {
        matches!(
            self.bulk,
            "CALG_RC4" | "CALG_DES" | "CALG_3DES" | "CALG_RC2"
        ) || self.mac == "CALG_MD5"
    }
}

const fn su(
    bulk: &'static str,
    bbits: u16,
    mac: &'static str,
    mbits: u16,
    kex: Kex,
    kbits: u16,
) -> Suite {
    Suite {
        bulk,
        bbits,
        mac,
        mbits,
        kex,
        kbits,
    }
}

const AES256_GCM: Suite = su("CALG_AES_256", 256, "CALG_SHA_384", 0, Kex::Ecdh, 384);
const AES128_GCM: Suite = su("CALG_AES_128", 128, "CALG_SHA_256", 0, Kex::Ecdh, 256);
const AES256_GCM_DH: Suite = su("CALG_AES_256", 256, "CALG_SHA_384", 0, Kex::Dh, 2048);
const AES256_CBC_ECDH: Suite = su("CALG_AES_256", 256, "CALG_SHA1", 160, Kex::Ecdh, 256);
const AES128_CBC_ECDH: Suite = su("CALG_AES_128", 128, "CALG_SHA1", 160, Kex::Ecdh, 256);
const AES128_CBC_RSA: Suite = su("CALG_AES_128", 128, "CALG_SHA1", 160, Kex::Rsa, 2048);
const AES256_CBC256_RSA: Suite = su("CALG_AES_256", 256, "CALG_SHA_256", 256, Kex::Rsa, 2048);
const TDES_RSA: Suite = su("CALG_3DES", 168, "CALG_SHA1", 160, Kex::Rsa, 2048);
const RC4_SHA: Suite = su("CALG_RC4", 128, "CALG_SHA1", 160, Kex::Rsa, 1024);
const RC4_MD5: Suite = su("CALG_RC4", 128, "CALG_MD5", 128, Kex::Rsa, 1024);
const DES_SHA: Suite = su("CALG_DES", 56, "CALG_SHA1", 160, Kex::Rsa, 1024);
const RC2_MD5: Suite = su("CALG_RC2", 40, "CALG_MD5", 128, Kex::Rsa, 512);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Profile {
    Modern,
    Tls12,
    Tls12Weak,
    Mixed,
    Tls11,
    Tls10,
    Tls10Weak,
    Ssl3,
    Ssl2,
    Clear,
    Flaky,
    Fail,
}

const PROFILE_MIX: &[(Profile, u32)] = &[
    (Profile::Modern, 300),
    (Profile::Tls12, 270),
    (Profile::Tls12Weak, 25),
    (Profile::Mixed, 70),
    (Profile::Tls11, 35),
    (Profile::Tls10, 85),
    (Profile::Tls10Weak, 30),
    (Profile::Ssl3, 15),
    (Profile::Ssl2, 3),
    (Profile::Clear, 80),
    (Profile::Flaky, 45),
    (Profile::Fail, 20),
];

/// What a TLS attempt turns into.
#[derive(Clone, Copy)]
enum Dec {
    Clear,
    Ok(Ver, Suite),
    /// Some(error name) = failure line; None = STARTTLS then disconnect.
    Fail(Option<&'static str>),
}

const RECV_ERRORS: &[&str] = &[
    "UnknownCredentials",
    "AlgorithmMismatch",
    "IllegalMessage",
    "SocketError",
    "IncompleteMessage",
    "InternalError",
];
const SEND_ERRORS: &[&str] = &[
    "UnknownCredentials",
    "AlgorithmMismatch",
    "SocketError",
    "NoCredentials",
    "IllegalMessage",
    "-2146893048",
];

fn decide(h: &Host, srv_max: Ver, send: bool, rng: &mut Rng) -> Dec {
    let errs = if send { SEND_ERRORS } else { RECV_ERRORS };
    let v = match h.profile {
        Profile::Clear => return Dec::Clear,
        Profile::Fail => {
            return if rng.chance(0.7) {
                Dec::Fail(Some(*rng.pick(errs)))
            } else {
                Dec::Fail(None)
            };
        }
        Profile::Flaky => {
            let r = rng.f64();
            if r < 0.2 {
                return Dec::Fail(Some(*rng.pick(errs)));
            } else if r < 0.3 {
                return Dec::Fail(None);
            }
            Ver::T12
        }
        Profile::Mixed => {
            if rng.chance(0.5) {
                Ver::T10
            } else {
                Ver::T12
            }
        }
        Profile::Modern => Ver::T13,
        Profile::Tls12 | Profile::Tls12Weak => Ver::T12,
        Profile::Tls11 => Ver::T11,
        Profile::Tls10 | Profile::Tls10Weak => Ver::T10,
        Profile::Ssl3 => Ver::Ssl3,
        Profile::Ssl2 => Ver::Ssl2,
    };
    let v = v.min(srv_max);
    let s = match v {
        Ver::T13 => h.s13,
        Ver::T12 => h.s12,
        Ver::T11 | Ver::T10 => h.s10,
        Ver::Ssl3 | Ver::Ssl2 => h.sold,
    };
    Dec::Ok(v, s)
}

// ───────────────────────────── world ─────────────────────────────

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Flavor {
    Ex2019,
    Ex2016,
    Ex2013,
    Ex2010,
}

impl Flavor {
    fn hourly(self) -> bool {
        matches!(self, Flavor::Ex2019 | Flavor::Ex2016)
    }
    fn single_row_cert(self) -> bool {
        self == Flavor::Ex2019
    }
    fn flat_ehlo(self) -> bool {
        self == Flavor::Ex2019
    }
    fn logs_tls(self) -> bool {
        self != Flavor::Ex2010
    }
    fn max_ver(self) -> Ver {
        match self {
            Flavor::Ex2019 => Ver::T13,
            Flavor::Ex2016 | Flavor::Ex2013 => Ver::T12,
            Flavor::Ex2010 => Ver::T10,
        }
    }
    fn version(self) -> &'static str {
        if self == Flavor::Ex2010 {
            "14.0.0.0"
        } else {
            "15.0.0.0"
        }
    }
    fn kex_name(self, k: Kex) -> &'static str {
        match k {
            Kex::Ecdh => {
                if self == Flavor::Ex2013 {
                    "CALG_ECDHE"
                } else {
                    "CALG_ECDH_EPHEM"
                }
            }
            Kex::Rsa => "CALG_RSA_KEYX",
            Kex::Dh => "CALG_DH_EPHEM",
        }
    }
}

struct Srv {
    name: String, // EX01
    fqdn: String, // EX01.corp.example
    ip: u32,
    ipstr: String,
    flavor: Flavor,
    pid: u32, // interned lower-case fqdn
    thumb: String,
    serial: String,
    intra_conn: &'static str,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum HostKind {
    Partner,
    Literal,
    Device,
    Bot,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Banner {
    Postfix,
    Exim,
    Ms,
    Google,
    Iis,
    Sendmail,
    Plain,
}

struct Host {
    kind: HostKind,
    name: String,   // as written in EHLO (case, trailing dot, [literal])
    banner: String, // host name in the 220 banner (outbound)
    ip: u32,
    ipstr: String,
    pid: u32,
    /// domain used in MAIL FROM (inbound) / RCPT TO (outbound); None = random partner domain
    mail_domain: Option<u32>,
    profile: Profile,
    s13: Suite,
    s12: Suite,
    s10: Suite,
    sold: Suite,
    style: Banner,
    helo: bool,
    client_cert: bool,
    cert_cn: String,
    issuer: &'static str,
    serial: String,
    thumb: String,
}

struct World {
    servers: Vec<Srv>,
    hosts: Vec<Host>,
    /// partner host lists for zipf-weighted choice
    groups: Vec<Vec<u32>>,
    gcum: Vec<f64>,
    literals: Vec<u32>,
    devices: Vec<u32>,
    bots: Vec<u32>,
    names: Vec<String>,     // interned partner keys
    mail_domains: Vec<u32>, // generated partner domains (ids into names)
    start_ms: u64,
    mid_ms: u64,
}

const SUFFIXES: &[(&str, u32)] = &[
    ("com", 35),
    ("de", 12),
    ("co.uk", 8),
    ("com.au", 5),
    ("nl", 5),
    ("fr", 5),
    ("net", 6),
    ("org", 4),
    ("co.jp", 3),
    ("com.br", 3),
    ("it", 3),
    ("ch", 3),
    ("at", 2),
    ("org.uk", 2),
    ("be", 2),
    ("se", 2),
];

const ISSUERS: &[&str] = &[
    "CN=R3, O=Let's Encrypt, C=US",
    "CN=R11, O=Let's Encrypt, C=US",
    "CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1, O=DigiCert Inc, C=US",
    "CN=Sectigo RSA Domain Validation Secure Server CA, O=Sectigo Limited, L=Salford, S=Greater Manchester, C=GB",
    "CN=GeoTrust TLS RSA CA G1, OU=www.digicert.com, O=DigiCert Inc, C=US",
    "CN=Thawte RSA CA 2018, OU=www.digicert.com, O=DigiCert Inc, C=US",
];

const DEVICE_NAMES: &[&str] = &[
    "KM-C458-3F",
    "KM-C308-2F",
    "KM-C658-EG",
    "HP-LJ-M607-4OG",
    "RICOH-MP-C3004",
    "XEROX-WC7855",
    "CANON-IRADV-C5535",
    "Backup-Veeam",
    "SCAN-EMPFANG",
    "NAS01",
    "SQL-REPORTS",
    "BROTHER-MFC-L8900",
    "SHARP-MX-3071",
    "UPS-APC-01",
    "Sophos-UTM",
    "PRTG-Monitor",
    "ERP-BATCH",
    "Zabbix01",
    "iDRAC-R740-03",
    "EPSON-WF-C879R",
];

const BOT_NAMES: &[&str] = &[
    "ylmf-pc",
    "User",
    "WIN-3K2J1TQ5",
    "localhost",
    "Windows7",
    "EHLO",
    "mail",
    "[127.0.0.1]",
];

const LOCAL_PARTS: &[&str] = &[
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

fn ip_str(ip: u32) -> String {
    format!(
        "{}.{}.{}.{}",
        ip >> 24,
        (ip >> 16) & 255,
        (ip >> 8) & 255,
        ip & 255
    )
}

fn public_ip(rng: &mut Rng, used: &mut HashSet<u32>) -> u32 {
    loop {
        let a = rng.range(20, 223) as u32;
        if matches!(a, 100 | 127 | 169 | 172 | 192 | 198 | 203) {
            continue;
        }
        let ip = (a << 24) | (rng.below(1 << 24) as u32);
        if ip & 255 == 0 || ip & 255 == 255 {
            continue;
        }
        if used.insert(ip) {
            return ip;
        }
    }
}

fn case_variant(rng: &mut Rng, name: &str) -> String {
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

struct Interner {
    names: Vec<String>,
    map: HashMap<String, u32>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.map.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_string());
        self.map.insert(s.to_string(), i);
        i
    }
}

#[allow(clippy::too_many_arguments)]
fn make_host(
    rng: &mut Rng,
    kind: HostKind,
    name: String,
    banner: String,
    ip: u32,
    pid: u32,
    mail_domain: Option<u32>,
    profile: Profile,
    style: Banner,
    cert_cn: String,
    idx: u64,
) -> Host {
    let s13 = if rng.chance(0.7) {
        AES256_GCM
    } else {
        AES128_GCM
    };
    let s12 = match profile {
        Profile::Tls12Weak => rng.weighted(&[(TDES_RSA, 70), (RC4_SHA, 30)]),
        _ => rng.weighted(&[
            (AES256_GCM, 50),
            (AES128_GCM, 25),
            (AES256_CBC_ECDH, 10),
            (AES256_GCM_DH, 5),
            (AES128_CBC_RSA, 7),
            (AES256_CBC256_RSA, 3),
        ]),
    };
    let s10 = match profile {
        Profile::Tls10Weak => {
            rng.weighted(&[(RC4_MD5, 40), (RC4_SHA, 30), (TDES_RSA, 20), (DES_SHA, 10)])
        }
        _ => rng.weighted(&[
            (AES256_CBC_ECDH, 45),
            (AES128_CBC_ECDH, 20),
            (AES128_CBC_RSA, 25),
            (TDES_RSA, 6),
            (RC4_SHA, 4),
        ]),
    };
    let sold = match profile {
        Profile::Ssl2 => rng.weighted(&[(RC4_MD5, 60), (RC2_MD5, 40)]),
        _ => rng.weighted(&[(RC4_MD5, 50), (TDES_RSA, 30), (RC4_SHA, 20)]),
    };
    let helo = profile == Profile::Clear && rng.chance(0.3);
    Host {
        kind,
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
        client_cert: kind == HostKind::Partner
            && matches!(profile, Profile::Modern | Profile::Tls12)
            && rng.chance(0.25),
        cert_cn,
        issuer: rng.pick_str(ISSUERS),
        serial: hash_hex(idx.wrapping_mul(31) ^ 0xABCD, 32),
        thumb: hash_hex(idx.wrapping_mul(17) ^ 0x1234, 40),
    }
}

fn style_for(profile: Profile, rng: &mut Rng) -> Banner {
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

fn build_world(cfg: &Cfg) -> World {
    let mut rng = Rng::new(cfg.seed, 1);
    let mut used = HashSet::new();
    let mut it = Interner {
        names: Vec::new(),
        map: HashMap::new(),
    };
    let start_ms = days_from_civil(2026, 11, 25) as u64 * 86_400_000;
    let period = cfg.hours * 3_600_000;

    // servers
    let n = cfg.servers;
    let mut servers = Vec::new();
    let mut modern_i = 0;
    for i in 0..n {
        let flavor = if i >= n - cfg.legacy {
            Flavor::Ex2010
        } else {
            let f = [Flavor::Ex2019, Flavor::Ex2016, Flavor::Ex2013][modern_i % 3];
            modern_i += 1;
            f
        };
        let name = format!("EX{:02}", i + 1);
        let fqdn = format!("{name}.corp.example");
        let ip = (10 << 24) | (10 << 16) | (11 + i as u32);
        used.insert(ip);
        let intra_conn = if flavor == Flavor::Ex2016 {
            "Внутренний соединитель отправки SMTP"
        } else {
            "Intra-Organization SMTP Send Connector"
        };
        servers.push(Srv {
            pid: it.id(&fqdn.to_ascii_lowercase()),
            name,
            fqdn,
            ip,
            ipstr: ip_str(ip),
            flavor,
            thumb: hash_hex(cfg.seed ^ (i as u64 + 1000), 40),
            serial: hash_hex(cfg.seed ^ (i as u64 + 2000), 32),
            intra_conn,
        });
    }

    let mut hosts: Vec<Host> = Vec::new();
    let mut groups: Vec<Vec<u32>> = Vec::new();

    // big providers first (they get the top zipf ranks)
    struct Prov {
        dom: &'static str,
        n: usize,
        style: Banner,
    }
    let provs = [
        Prov {
            dom: "outlook.com",
            n: 40,
            style: Banner::Ms,
        },
        Prov {
            dom: "google.com",
            n: 30,
            style: Banner::Google,
        },
        Prov {
            dom: "amazonses.com",
            n: 16,
            style: Banner::Postfix,
        },
        Prov {
            dom: "mimecast.com",
            n: 12,
            style: Banner::Plain,
        },
    ];
    const MS_REG: &[&str] = &[
        "EUR05", "EUR02", "NAM12", "NAM10", "APC01", "DEU01", "GBR01",
    ];
    const MS_DC: &[&str] = &["AM6", "VI1", "DM6", "BN8", "HE1", "DB9", "FR2", "LO2"];
    for p in &provs {
        let pid = it.id(p.dom);
        let mut g = Vec::new();
        for k in 0..p.n {
            let (name, banner) = match p.dom {
                "outlook.com" => {
                    let a = format!(
                        "{}-{}-obe.outbound.protection.outlook.com",
                        rng.pick(MS_REG),
                        rng.pick(MS_DC)
                    );
                    let b = format!(
                        "{}{}PEPF{}.mail.protection.outlook.com",
                        rng.pick(MS_DC),
                        rng.range(0, 9),
                        rng.hex(8)
                    );
                    (a, b)
                }
                "google.com" => {
                    let a = format!(
                        "mail-{}{}-f{}.google.com",
                        rng.pick(&["wr", "ed", "lf", "pj", "wm", "qk"]),
                        rng.range(1, 2),
                        rng.range(41, 199)
                    );
                    (a, "mx.google.com".to_string())
                }
                "amazonses.com" => {
                    let a = format!(
                        "a{}-{}.smtp-out.amazonses.com",
                        rng.range(8, 48),
                        rng.range(1, 254)
                    );
                    (
                        a.clone(),
                        format!(
                            "inbound-smtp.{}.amazonaws.com",
                            rng.pick(&["us-east-1", "eu-west-1"])
                        ),
                    )
                }
                _ => {
                    let a = format!(
                        "{}-smtp-{}.mimecast.com",
                        rng.pick(&["eu", "us", "de", "uk"]),
                        rng.range(1, 9)
                    );
                    (a.clone(), a)
                }
            };
            // amazonaws.com subdomains are on the PSL's private section: keep the banner
            // inside amazonses.com to stay unambiguous.
            let banner = if p.dom == "amazonses.com" {
                format!("inbound-smtp-{k}.amazonses.com")
            } else {
                banner
            };
            let ip = public_ip(&mut rng, &mut used);
            let profile = if rng.chance(0.85) {
                Profile::Modern
            } else {
                Profile::Tls12
            };
            let idx = hosts.len() as u64;
            let cn = format!("*.{}", p.dom);
            g.push(hosts.len() as u32);
            hosts.push(make_host(
                &mut rng,
                HostKind::Partner,
                name,
                banner,
                ip,
                pid,
                None,
                profile,
                p.style,
                cn,
                idx,
            ));
        }
        groups.push(g);
    }

    // generated partners
    let mut mail_domains = Vec::new();
    for i in 0..cfg.partners {
        let suf = rng.weighted(SUFFIXES);
        let dom = format!("partner{:03}.{}", i + 1, suf);
        let pid = it.id(&dom);
        mail_domains.push(pid);
        let base = rng.weighted(PROFILE_MIX);
        let nh = rng.weighted(&[(1usize, 45), (2, 30), (3, 12), (4, 6), (5, 4), (6, 3)]);
        let pat = rng.below(6);
        let mut g = Vec::new();
        for k in 1..=nh {
            let plain = match pat {
                0 => format!("mx{k}.{dom}"),
                1 if nh == 1 => format!("mail.{dom}"),
                1 => format!("mail{k}.{dom}"),
                2 => format!("smtp{k}.{dom}"),
                3 => format!("mx{k}.mail.{dom}"),
                4 => format!("out{k}.mx.{dom}"),
                _ if nh == 1 => dom.clone(),
                _ => format!("relay{k}.{dom}"),
            };
            let name = case_variant(&mut rng, &plain);
            let profile = if rng.chance(0.8) {
                base
            } else {
                rng.weighted(PROFILE_MIX)
            };
            let ip = public_ip(&mut rng, &mut used);
            let style = style_for(profile, &mut rng);
            let cn = if rng.chance(0.3) {
                format!("*.{dom}")
            } else {
                plain.clone()
            };
            let idx = hosts.len() as u64;
            g.push(hosts.len() as u32);
            hosts.push(make_host(
                &mut rng,
                HostKind::Partner,
                name.clone(),
                name,
                ip,
                pid,
                Some(pid),
                profile,
                style,
                cn,
                idx,
            ));
        }
        groups.push(g);
    }

    // zipf weights over groups
    let mut gcum = Vec::with_capacity(groups.len());
    let mut acc = 0.0;
    for r in 0..groups.len() {
        acc += 1.0 / ((r + 1) as f64).powf(0.9);
        gcum.push(acc);
    }

    // EHLO [ip] literal clients (partner = remote IP)
    let mut literals = Vec::new();
    for _ in 0..(cfg.partners / 20).max(10) {
        let ip = public_ip(&mut rng, &mut used);
        let lit = if rng.chance(0.6) {
            ip
        } else {
            (192 << 24) | (168 << 16) | rng.below(1 << 16) as u32
        };
        let name = format!("[{}]", ip_str(lit));
        let pid = it.id(&ip_str(ip));
        let profile = rng.weighted(PROFILE_MIX);
        let idx = hosts.len() as u64;
        literals.push(hosts.len() as u32);
        hosts.push(make_host(
            &mut rng,
            HostKind::Literal,
            name.clone(),
            name,
            ip,
            pid,
            None,
            profile,
            Banner::Plain,
            String::new(),
            idx,
        ));
    }

    // printers, scanners, apps relaying through the FrontEnd (partner = remote IP)
    let mut devices = Vec::new();
    for (k, dn) in DEVICE_NAMES.iter().enumerate() {
        let ip = (10 << 24) | (20 << 16) | ((1 + k as u32 % 9) << 8) | rng.range(10, 250) as u32;
        if !used.insert(ip) {
            continue;
        }
        let name = if rng.chance(0.25) {
            format!("[{}]", ip_str(ip))
        } else {
            dn.to_string()
        };
        let pid = it.id(&ip_str(ip));
        let profile = rng.weighted(&[
            (Profile::Tls10, 50),
            (Profile::Tls10Weak, 10),
            (Profile::Clear, 25),
            (Profile::Tls12, 15),
        ]);
        let idx = hosts.len() as u64;
        devices.push(hosts.len() as u32);
        hosts.push(make_host(
            &mut rng,
            HostKind::Device,
            name.clone(),
            name,
            ip,
            pid,
            None,
            profile,
            Banner::Plain,
            String::new(),
            idx,
        ));
    }

    // scanners / bots (no mail; some never say EHLO)
    let mut bots = Vec::new();
    for _ in 0..40 {
        let ip = public_ip(&mut rng, &mut used);
        let pid = it.id(&ip_str(ip));
        let profile = rng.weighted(&[
            (Profile::Clear, 60),
            (Profile::Tls12, 25),
            (Profile::Tls10, 15),
        ]);
        let idx = hosts.len() as u64;
        bots.push(hosts.len() as u32);
        hosts.push(make_host(
            &mut rng,
            HostKind::Bot,
            String::new(),
            String::new(),
            ip,
            pid,
            None,
            profile,
            Banner::Plain,
            String::new(),
            idx,
        ));
    }

    World {
        servers,
        hosts,
        groups,
        gcum,
        literals,
        devices,
        bots,
        names: it.names,
        mail_domains,
        start_ms,
        mid_ms: start_ms + period / 2,
    }
}

impl World {
    fn pick_partner_host(&self, rng: &mut Rng) -> u32 {
        let total = *self.gcum.last().unwrap();
        let x = rng.f64() * total;
        let gi = self
            .gcum
            .partition_point(|&c| c <= x)
            .min(self.groups.len() - 1);
        *rng.pick(&self.groups[gi])
    }
    fn random_domain(&self, rng: &mut Rng) -> &str {
        &self.names[*rng.pick(&self.mail_domains) as usize]
    }
}

// ───────────────────────────── ground truth ─────────────────────────────

#[derive(Clone, Copy, PartialEq, Eq)]
enum Out {
    V13,
    V12,
    V11,
    V10,
    Ssl3,
    Ssl2,
    Unknown,
    Failed,
    Clear,
}

fn out_of(v: Ver) -> Out {
    match v {
        Ver::T13 => Out::V13,
        Ver::T12 => Out::V12,
        Ver::T11 => Out::V11,
        Ver::T10 => Out::V10,
        Ver::Ssl3 => Out::Ssl3,
        Ver::Ssl2 => Out::Ssl2,
    }
}

#[derive(Default)]
struct Counts {
    sessions: u64,
    messages: u64,
    outs: [u64; 9],
    weak: u64,
    hosts: HashSet<u32>,
}

const DIR_IN: u8 = 0;
const DIR_INTERNAL: u8 = 1;
const DIR_OUT: u8 = 2;
const DIR_NAMES: [&str; 3] = ["inbound", "internal", "outbound"];

// ───────────────────────────── sessions ─────────────────────────────

struct Session {
    sid: u64,
    connector: String,
    local: String,
    remote: String,
    buf: Vec<u8>,
    ends: Vec<u32>,
    empty_local: u32,
    next: u32,
    followup: Option<Box<Session>>,
}

fn push_field(buf: &mut Vec<u8>, v: &[u8]) {
    if v.iter().any(|&c| c == b',' || c == b'"') {
        buf.push(b'"');
        for &c in v {
            if c == b'"' {
                buf.push(b'"');
            }
            buf.push(c);
        }
        buf.push(b'"');
    } else {
        buf.extend_from_slice(v);
    }
}

impl Session {
    fn new(sid: u64, connector: String, local: String, remote: String) -> Session {
        Session {
            sid,
            connector,
            local,
            remote,
            buf: Vec::with_capacity(2048),
            ends: Vec::with_capacity(32),
            empty_local: 0,
            next: 0,
            followup: None,
        }
    }
    fn rb(&mut self, ev: &str, data: &[u8], ctx: &str) {
        self.buf.extend_from_slice(ev.as_bytes());
        self.buf.push(b',');
        push_field(&mut self.buf, data);
        self.buf.push(b',');
        push_field(&mut self.buf, ctx.as_bytes());
        self.ends.push(self.buf.len() as u32);
    }
    fn r(&mut self, ev: &str, data: &str, ctx: &str) {
        self.rb(ev, data.as_bytes(), ctx)
    }
}

struct State {
    rng: Rng,
    sid_next: Vec<u64>,
    internal_id: Vec<u64>,
    record_id: Vec<u64>,
    expected: BTreeMap<(u8, u32), Counts>,
    sessions: u64,
    messages: u64,
}

impl State {
    fn sid(&mut self, srv: usize) -> u64 {
        let s = self.sid_next[srv];
        self.sid_next[srv] += 1 + (self.rng.below(8) == 0) as u64;
        s
    }
    fn account(&mut self, dir: u8, pid: u32, ip: u32, out: Out, msgs: u64, weak: bool) {
        let c = self.expected.entry((dir, pid)).or_default();
        c.sessions += 1;
        c.messages += msgs;
        c.outs[out as usize] += 1;
        c.weak += weak as u64;
        c.hosts.insert(ip);
        self.sessions += 1;
        self.messages += msgs;
    }
    fn port(&mut self) -> u64 {
        self.rng.range(1025, 65000)
    }
}

/// The TLS success line, when this server's version logs one, and what the session then
/// counts as: the version and whether the suite is weak, or unknown without the line.
fn negotiated(
    s: &mut Session,
    srv: &Srv,
    v: Ver,
    client: bool,
    suite: &Suite,
    now: u64,
    mid: u64,
) -> (Out, bool) {
    if srv.flavor.logs_tls() {
        s.r("*", "", &tls_line(srv.flavor, v, client, suite, now, mid));
        (out_of(v), suite.weak())
    } else {
        (Out::Unknown, false)
    }
}

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

#[allow(clippy::too_many_arguments)]
fn cert_rows(
    s: &mut Session,
    single: bool,
    kind: &str,
    subject: &str,
    issuer: &str,
    serial: &str,
    thumb: &str,
    nb: &str,
    na: &str,
    sans: &str,
) {
    if single {
        let data = format!(" {subject} {issuer} {serial} {thumb} {nb} {na} {sans}");
        let ctx = format!("{kind} Subject Issuer name Serial number Thumbprint Not before Not after Subject alternate names");
        s.r("*", &data, &ctx);
    } else {
        s.r("*", "", kind);
        s.r("*", subject, "Certificate subject");
        s.r("*", issuer, "Certificate issuer name");
        s.r("*", serial, "Certificate serial number");
        s.r("*", thumb, "Certificate thumbprint");
        s.r("*", sans, "Certificate alternate names");
    }
}

const ORG_ISSUER: &str = "CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1, O=DigiCert Inc, C=US";

fn our_cert(s: &mut Session, srv: &Srv, internal: bool, kind: &str) {
    if internal {
        let subj = format!("CN={}", srv.name);
        let sans = format!("{};{}", srv.name, srv.fqdn);
        cert_rows(
            s,
            srv.flavor.single_row_cert(),
            kind,
            &subj,
            &subj,
            &srv.serial,
            &srv.thumb,
            "2024-03-01T09:12:44.000Z",
            "2029-03-01T09:12:44.000Z",
            &sans,
        );
    } else {
        cert_rows(
            s,
            srv.flavor.single_row_cert(),
            kind,
            "CN=mail.org.example, O=Org Example AG, L=Zurich, C=CH",
            ORG_ISSUER,
            "0C3F6A1B22D4E5F60718293A4B5C6D7E",
            "9F8E7D6C5B4A39281706F5E4D3C2B1A091827364",
            "2026-02-10T00:00:00.000Z",
            "2027-02-09T23:59:59.000Z",
            &format!("mail.org.example;autodiscover.org.example;{}", srv.fqdn),
        );
    }
}

fn host_cert(s: &mut Session, single: bool, kind: &str, h: &Host) {
    let subj = format!("CN={}", h.cert_cn);
    let bare = h.cert_cn.trim_start_matches("*.");
    let sans = if h.cert_cn.starts_with("*.") {
        format!("{};{}", h.cert_cn, bare)
    } else {
        h.cert_cn.clone()
    };
    cert_rows(
        s,
        single,
        kind,
        &subj,
        h.issuer,
        &h.serial,
        &h.thumb,
        "2026-09-14T00:00:00.000Z",
        "2026-12-13T23:59:59.000Z",
        &sans,
    );
}

const PERMS_ANON: &str = "SMTPSubmit SMTPAcceptAnyRecipient SMTPAcceptAnySender SMTPAcceptAuthoritativeDomainSender AcceptRoutingHeaders";
const PERMS_INT: &str = "SMTPSubmit SMTPAcceptAnyRecipient SMTPAcceptAuthenticationFlag SMTPAcceptAnySender SMTPAcceptAuthoritativeDomainSender BypassAntiSpam BypassMessageSizeLimit SMTPAcceptEXCH50 AcceptRoutingHeaders";

fn our_banner(srv: &Srv, now: u64) -> String {
    format!(
        "220 {} Microsoft ESMTP MAIL Service ready at {}",
        srv.fqdn,
        rfc(now, 0)
    )
}

fn our_ehlo_reply(srv: &Srv, ip: &str, helo: bool, starttls: bool, internal: bool) -> String {
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

fn queued_reply(srv: &Srv, st: &mut State, srv_i: usize, msgid: &str, size: u64) -> String {
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

// ---- remote (partner) server personality, for send logs ----

fn remote_banner(h: &Host, now: u64, rng: &mut Rng) -> String {
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

fn remote_ehlo_lines(h: &Host, our: &str, starttls: bool) -> Vec<String> {
    let b = &h.banner;
    let pubip = "192.0.2.25";
    let (first, kws): (String, &[&str]) = match h.style {
        Banner::Postfix => (
            b.clone(),
            &[
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
            ],
        ),
        Banner::Exim => (
            format!("{b} Hello {our} [{pubip}]"),
            &[
                "SIZE 52428800",
                "8BITMIME",
                "PIPELINING",
                "PRDR",
                "@STARTTLS",
                "HELP",
            ],
        ),
        Banner::Ms => (
            format!("{b} Hello [{pubip}]"),
            &[
                "SIZE 157286400",
                "PIPELINING",
                "DSN",
                "ENHANCEDSTATUSCODES",
                "@STARTTLS",
                "8BITMIME",
                "BINARYMIME",
                "CHUNKING",
                "SMTPUTF8",
            ],
        ),
        Banner::Google => (
            format!("{b} at your service, [{pubip}]"),
            &[
                "SIZE 157286400",
                "8BITMIME",
                "@STARTTLS",
                "ENHANCEDSTATUSCODES",
                "PIPELINING",
                "CHUNKING",
                "SMTPUTF8",
            ],
        ),
        Banner::Iis => (
            format!("{b} Hello [{pubip}]"),
            &[
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
            ],
        ),
        Banner::Sendmail => (
            format!("{b} Hello {our} [{pubip}], pleased to meet you"),
            &[
                "ENHANCEDSTATUSCODES",
                "PIPELINING",
                "8BITMIME",
                "SIZE 20000000",
                "DSN",
                "ETRN",
                "@STARTTLS",
                "DELIVERBY",
                "HELP",
            ],
        ),
        Banner::Plain => (
            b.clone(),
            &[
                "PIPELINING",
                "SIZE 30000000",
                "@STARTTLS",
                "8BITMIME",
                "ENHANCEDSTATUSCODES",
            ],
        ),
    };
    let mut v = vec![first];
    for k in kws {
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

fn exchange_ehlo_lines(peer: &Srv, from_ip: &str, xanon: bool) -> Vec<String> {
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
fn ehlo_reply_rows(s: &mut Session, flat: bool, lines: &[String]) {
    if flat {
        s.r("<", &format!("250  {}", lines.join(" ")), "");
    } else {
        for (i, l) in lines.iter().enumerate() {
            let sep = if i + 1 == lines.len() { ' ' } else { '-' };
            s.r("<", &format!("250{sep}{l}"), "");
        }
    }
}

fn tls_ready(style: Banner) -> &'static str {
    match style {
        Banner::Exim => "220 TLS go ahead",
        Banner::Ms | Banner::Iis => "220 2.0.0 SMTP server ready",
        _ => "220 2.0.0 Ready to start TLS",
    }
}

fn msg_id(rng: &mut Rng, dom: &str) -> String {
    format!(
        "<{}.{}@{}>",
        rng.hex(16).to_ascii_lowercase(),
        rng.range(1000, 99999),
        dom
    )
}

fn msg_size(rng: &mut Rng) -> u64 {
    let r = rng.f64();
    (2000.0 + r * r * r * 4_000_000.0) as u64
}

// ---- receive: internet clients (partners, literals, devices, bots) ----

fn recv_ext(
    w: &World,
    st: &mut State,
    srv_i: usize,
    hid: u32,
    now: u64,
    force_clear: bool,
) -> Session {
    let srv = &w.servers[srv_i];
    let h = &w.hosts[hid as usize];
    let conn = if h.kind == HostKind::Device {
        format!("{}\\Anonymous Relay {}", srv.name, srv.name)
    } else if srv.flavor == Flavor::Ex2010 {
        format!("{}\\Internet Mail", srv.name)
    } else {
        format!("{}\\Default Frontend {}", srv.name, srv.name)
    };
    let port = st.port();
    let mut s = Session::new(
        st.sid(srv_i),
        conn,
        format!("{}:25", srv.ipstr),
        format!("{}:{}", h.ipstr, port),
    );
    s.r("+", "", "");
    s.r("*", PERMS_ANON, "Set Session Permissions");
    s.r(">", &our_banner(srv, now), "");

    let mut name = h.name.clone();
    if h.kind == HostKind::Bot {
        if st.rng.chance(0.4) {
            // port scanner: no greeting at all
            s.r(
                "-",
                "",
                if st.rng.chance(0.5) {
                    "Remote"
                } else {
                    "Timeout"
                },
            );
            st.account(DIR_IN, h.pid, h.ip, Out::Clear, 0, false);
            return s;
        }
        name = st.rng.pick(BOT_NAMES).to_string();
    }
    let dec = if force_clear {
        Dec::Clear
    } else {
        decide(h, srv.flavor.max_ver(), false, &mut st.rng)
    };
    let helo = h.helo && matches!(dec, Dec::Clear);
    s.r(
        "<",
        &format!("{} {}", if helo { "HELO" } else { "EHLO" }, name),
        "",
    );
    s.r(">", &our_ehlo_reply(srv, &h.ipstr, helo, true, false), "");

    let mut out = Out::Clear;
    let mut weak = false;
    match dec {
        Dec::Clear => {}
        Dec::Ok(v, suite) => {
            s.r("<", "STARTTLS", "");
            s.r(">", "220 2.0.0 SMTP server ready", "");
            our_cert(&mut s, srv, false, "Sending certificate");
            if h.client_cert {
                host_cert(
                    &mut s,
                    srv.flavor.single_row_cert(),
                    "Remote certificate",
                    h,
                );
            }
            (out, weak) = negotiated(&mut s, srv, v, false, &suite, now, w.mid_ms);
            s.r("<", &format!("EHLO {name}"), "");
            if srv.flavor != Flavor::Ex2010 {
                if h.client_cert {
                    s.r(
                        "*",
                        "",
                        "Client certificate chain validation status: 'Valid'",
                    );
                    let d = &w.names[h.pid as usize];
                    s.r(
                        "*",
                        "",
                        &format!("TlsDomainCapabilities='None'; Status='Success'; Domain='{d}'"),
                    );
                } else {
                    s.r(
                        "*",
                        "",
                        "Client certificate chain validation status: 'EmptyCertificate'",
                    );
                    s.r(
                        "*",
                        "",
                        "TlsDomainCapabilities='None'; Status='NoRemoteCertificate'",
                    );
                }
            }
            s.r(">", &our_ehlo_reply(srv, &h.ipstr, false, false, false), "");
        }
        Dec::Fail(err) => {
            s.r("<", "STARTTLS", "");
            s.r(">", "220 2.0.0 SMTP server ready", "");
            our_cert(&mut s, srv, false, "Sending certificate");
            match err {
                Some(e) if srv.flavor.logs_tls() => {
                    s.r("*", "", &format!("TLS negotiation failed with error {e}"));
                    s.r(
                        "-",
                        "",
                        if st.rng.chance(0.5) {
                            "Local"
                        } else {
                            "Remote"
                        },
                    );
                }
                _ => s.r(
                    "-",
                    "",
                    st.rng
                        .pick_str(&["Remote", "Remote(ConnectionReset)", "Remote(SocketError)"]),
                ),
            }
            st.account(DIR_IN, h.pid, h.ip, Out::Failed, 0, false);
            if h.kind != HostKind::Bot && st.rng.chance(0.6) {
                // the sender retries in cleartext under a new session
                s.followup = Some(Box::new(recv_ext(w, st, srv_i, hid, now, true)));
            }
            return s;
        }
    }

    let nmsg = if h.kind == HostKind::Bot {
        0
    } else {
        let r = st.rng.f64();
        if r < 0.08 {
            0
        } else if r < 0.8 {
            1
        } else {
            st.rng.range(2, 5)
        }
    };
    if h.kind == HostKind::Bot {
        s.r("<", "AUTH LOGIN", "");
        s.r(">", "504 5.7.4 Unrecognized authentication type", "");
    }
    for k in 0..nmsg {
        let dom = match (h.kind, h.mail_domain) {
            (HostKind::Device, _) => "org.example".to_string(),
            (_, Some(d)) => w.names[d as usize].clone(),
            _ => w.random_domain(&mut st.rng).to_string(),
        };
        let lp = *st.rng.pick(LOCAL_PARTS);
        let size = msg_size(&mut st.rng);
        if st.rng.below(1500) == 0 {
            // a peer sending raw Latin-1: invalid UTF-8 in the data column
            let mut d = b"MAIL FROM:<j".to_vec();
            d.push(0xFC);
            d.extend_from_slice(format!("rgen@{dom}> SIZE={size}").as_bytes());
            s.rb("<", &d, "");
        } else {
            s.r("<", &format!("MAIL FROM:<{lp}@{dom}> SIZE={size}"), "");
        }
        s.r(
            "*",
            &format!("{:016X};{};{}", s.sid, iso(now), k + 1),
            "receiving message",
        );
        s.r(">", "250 2.1.0 Sender OK", "");
        let nr = st.rng.weighted(&[(1u64, 75), (2, 15), (3, 10)]);
        let mut ok = 0;
        for _ in 0..nr {
            let to = *st.rng.pick(LOCAL_PARTS);
            s.r("<", &format!("RCPT TO:<{to}@org.example>"), "");
            if st.rng.chance(0.03) {
                s.r(">", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", "");
            } else {
                s.r(">", "250 2.1.5 Recipient OK", "");
                ok += 1;
            }
        }
        if ok == 0 {
            s.r("<", "RSET", "");
            s.r(">", "250 2.0.0 Resetting", "");
            continue;
        }
        if st.rng.chance(0.5) {
            s.r("<", &format!("BDAT {size} LAST"), "");
        } else {
            s.r("<", "DATA", "");
            s.r(">", "354 Start mail input; end with <CRLF>.<CRLF>", "");
        }
        let mid = msg_id(&mut st.rng, &dom);
        let q = queued_reply(srv, st, srv_i, &mid, size);
        s.r(">", &q, "");
    }
    if st.rng.chance(0.88) {
        s.r("<", "QUIT", "");
        s.r(">", "221 2.0.0 Service closing transmission channel", "");
        s.r("-", "", "Local");
    } else {
        s.r("-", "", "Remote");
    }
    st.account(DIR_IN, h.pid, h.ip, out, nmsg, weak);
    s
}

// ---- internal hops (X-ANONYMOUSTLS) ----

fn internal_dec(a: &Srv, b: &Srv) -> (Ver, Suite) {
    if a.flavor == Flavor::Ex2010 || b.flavor == Flavor::Ex2010 {
        (Ver::T10, AES128_CBC_ECDH)
    } else {
        (Ver::T12, AES256_GCM)
    }
}

fn xproxyfrom(w: &World, st: &mut State) -> String {
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

fn recv_int(
    w: &World,
    st: &mut State,
    srv_i: usize,
    peer_i: usize,
    proxy: bool,
    now: u64,
) -> Session {
    let srv = &w.servers[srv_i];
    let peer = &w.servers[peer_i];
    let lport = if srv.flavor == Flavor::Ex2010 {
        25
    } else {
        2525
    };
    let port = st.port();
    let mut s = Session::new(
        st.sid(srv_i),
        format!("{}\\Default {}", srv.name, srv.name),
        format!("{}:{lport}", srv.ipstr),
        format!("{}:{port}", peer.ipstr),
    );
    s.r("+", "", "");
    s.r("*", PERMS_ANON, "Set Session Permissions");
    s.r(">", &our_banner(srv, now), "");
    s.r("<", &format!("EHLO {}", peer.fqdn), "");
    s.r(
        ">",
        &our_ehlo_reply(srv, &peer.ipstr, false, true, true),
        "",
    );
    s.r("<", "X-ANONYMOUSTLS", "");
    s.r(">", "220 2.0.0 SMTP server ready", "");
    our_cert(&mut s, srv, true, "Sending certificate");
    let (v, suite) = internal_dec(srv, peer);
    let (out, weak) = negotiated(&mut s, srv, v, false, &suite, now, w.mid_ms);
    s.r("<", &format!("EHLO {}", peer.fqdn), "");
    s.r(
        ">",
        &our_ehlo_reply(srv, &peer.ipstr, false, false, true),
        "",
    );
    s.r("<", "X-EXPS EXCHANGEAUTH SHA256", "");
    s.r(">", "235 <authentication response>", "");
    s.r("*", &format!("CORP\\{}$", peer.name), "authenticated");
    s.r("*", PERMS_INT, "Set Session Permissions");
    if proxy {
        let x = xproxyfrom(w, st);
        s.r("<", &x, "");
        s.r(">", "250 XProxyFrom accepted", "");
    }
    let nmsg = st
        .rng
        .weighted(&[(1u64, 60), (2, 20), (3, 10), (5, 6), (9, 4)]);
    for k in 0..nmsg {
        let dom = w.random_domain(&mut st.rng).to_string();
        let lp = *st.rng.pick(LOCAL_PARTS);
        let size = msg_size(&mut st.rng);
        s.r(
            "<",
            &format!("MAIL FROM:<{lp}@{dom}> SIZE={size} BODY=8BITMIME"),
            "",
        );
        s.r(
            "*",
            &format!("{:016X};{};{}", s.sid, iso(now), k + 1),
            "receiving message",
        );
        s.r(">", "250 2.1.0 Sender OK", "");
        let to = *st.rng.pick(LOCAL_PARTS);
        s.r("<", &format!("RCPT TO:<{to}@org.example>"), "");
        s.r(">", "250 2.1.5 Recipient OK", "");
        s.r("<", &format!("BDAT {size} LAST"), "");
        let mid = msg_id(&mut st.rng, &dom);
        let q = queued_reply(srv, st, srv_i, &mid, size);
        s.r(">", &q, "");
    }
    s.r("<", "QUIT", "");
    s.r(">", "221 2.0.0 Service closing transmission channel", "");
    s.r("-", "", "Local");
    st.account(DIR_INTERNAL, peer.pid, peer.ip, out, nmsg, weak);
    s
}

fn send_prologue(s: &mut Session) {
    s.r("*", "SendRoutingHeaders", "Set Session Permissions");
    s.r("*", "", "attempting to connect");
    s.empty_local = 2;
    s.r("+", "", "");
}

fn send_int(
    w: &World,
    st: &mut State,
    srv_i: usize,
    peer_i: usize,
    proxy: bool,
    now: u64,
) -> Session {
    let srv = &w.servers[srv_i];
    let peer = &w.servers[peer_i];
    let rport = if peer.flavor == Flavor::Ex2010 {
        25
    } else {
        2525
    };
    let conn = if proxy {
        "Inbound Proxy Internal Send Connector"
    } else {
        srv.intra_conn
    };
    let port = st.port();
    let mut s = Session::new(
        st.sid(srv_i),
        conn.to_string(),
        format!("{}:{port}", srv.ipstr),
        format!("{}:{rport}", peer.ipstr),
    );
    send_prologue(&mut s);
    s.r("<", &our_banner(peer, now), "");
    s.r(">", &format!("EHLO {}", srv.fqdn), "");
    let flat = srv.flavor.flat_ehlo();
    ehlo_reply_rows(&mut s, flat, &exchange_ehlo_lines(peer, &srv.ipstr, true));
    s.r(">", "X-ANONYMOUSTLS", "");
    s.r("<", "220 2.0.0 SMTP server ready", "");
    our_cert(&mut s, peer, true, "Remote certificate");
    let (v, suite) = internal_dec(srv, peer);
    let (out, weak) = negotiated(&mut s, srv, v, true, &suite, now, w.mid_ms);
    s.r("*", "", "Received certificate");
    s.r("*", &peer.thumb, "Certificate thumbprint");
    s.r(">", &format!("EHLO {}", srv.fqdn), "");
    ehlo_reply_rows(&mut s, flat, &exchange_ehlo_lines(peer, &srv.ipstr, false));
    s.r(">", "X-EXPS EXCHANGEAUTH SHA256", "");
    s.r("<", "235 <authentication response>", "");
    if proxy {
        let x = xproxyfrom(w, st);
        s.r(">", &x, "");
        s.r("<", "250 XProxyFrom accepted", "");
    }
    let nmsg = if proxy {
        st.rng.weighted(&[(1u64, 85), (2, 15)])
    } else {
        st.rng
            .weighted(&[(1u64, 50), (2, 20), (4, 15), (8, 10), (15, 5)])
    };
    for _ in 0..nmsg {
        let dom = w.random_domain(&mut st.rng).to_string();
        let size = msg_size(&mut st.rng);
        let mid = msg_id(&mut st.rng, &dom);
        if !proxy {
            st.record_id[srv_i] += 1;
            s.r(
                "*",
                "",
                &format!(
                    "sending message with RecordId {} and InternetMessageId {mid}",
                    st.record_id[srv_i]
                ),
            );
        }
        let lp = *st.rng.pick(LOCAL_PARTS);
        s.r(
            ">",
            &format!("MAIL FROM:<{lp}@{dom}> SIZE={size} BODY=8BITMIME"),
            "",
        );
        let to = *st.rng.pick(LOCAL_PARTS);
        s.r(">", &format!("RCPT TO:<{to}@org.example>"), "");
        s.r("<", "250 2.1.0 Sender OK", "");
        s.r("<", "250 2.1.5 Recipient OK", "");
        s.r(">", &format!("BDAT {size} LAST"), "");
        let q = queued_reply(peer, st, peer_i, &mid, size);
        s.r("<", &q, "");
    }
    s.r(">", "QUIT", "");
    s.r("<", "221 2.0.0 Service closing transmission channel", "");
    s.r("-", "", "Local");
    st.account(DIR_INTERNAL, peer.pid, peer.ip, out, nmsg, weak);
    s
}

// ---- send: outbound to partner MTAs ----

fn send_ext(
    w: &World,
    st: &mut State,
    srv_i: usize,
    hid: u32,
    now: u64,
    force_clear: bool,
    carry: u64,
) -> Session {
    let srv = &w.servers[srv_i];
    let h = &w.hosts[hid as usize];
    let conn = if srv.flavor == Flavor::Ex2010 {
        "Internet"
    } else {
        "Outbound to Internet"
    };
    let port = st.port();
    let mut s = Session::new(
        st.sid(srv_i),
        conn.to_string(),
        format!("{}:{port}", srv.ipstr),
        format!("{}:25", h.ipstr),
    );
    send_prologue(&mut s);
    let our = if srv.flavor == Flavor::Ex2010 {
        "mail.org.example".to_string()
    } else {
        srv.fqdn.clone()
    };
    s.r("<", &remote_banner(h, now, &mut st.rng), "");
    s.r(">", &format!("EHLO {our}"), "");
    let flat = srv.flavor.flat_ehlo();
    let advertises = h.profile != Profile::Clear;
    ehlo_reply_rows(&mut s, flat, &remote_ehlo_lines(h, &our, advertises));
    let dec = if force_clear || !advertises {
        Dec::Clear
    } else {
        decide(h, srv.flavor.max_ver(), true, &mut st.rng)
    };
    let nmsg = if carry > 0 {
        carry
    } else {
        let big = h.mail_domain.is_none();
        st.rng.weighted(&[
            (1u64, 62),
            (2, 14),
            (3, 8),
            (5, 7),
            (8, 5),
            (if big { 20 } else { 12 }, 4),
        ])
    };
    let mut out = Out::Clear;
    let mut weak = false;
    match dec {
        Dec::Clear => {}
        Dec::Ok(v, suite) => {
            s.r(">", "STARTTLS", "");
            s.r("<", tls_ready(h.style), "");
            host_cert(
                &mut s,
                srv.flavor.single_row_cert(),
                "Remote certificate",
                h,
            );
            (out, weak) = negotiated(&mut s, srv, v, true, &suite, now, w.mid_ms);
            s.r("*", "", "Received certificate");
            s.r("*", &h.thumb, "Certificate thumbprint");
            s.r(">", &format!("EHLO {our}"), "");
            ehlo_reply_rows(&mut s, flat, &remote_ehlo_lines(h, &our, false));
        }
        Dec::Fail(err) => {
            s.r(">", "STARTTLS", "");
            s.r("<", tls_ready(h.style), "");
            match err {
                Some(e) if srv.flavor.logs_tls() => {
                    host_cert(
                        &mut s,
                        srv.flavor.single_row_cert(),
                        "Remote certificate",
                        h,
                    );
                    s.r("*", "", &format!("TLS negotiation failed with error {e}"));
                    s.r("-", "", "Local");
                }
                _ => s.r(
                    "-",
                    "",
                    st.rng.pick_str(&["Remote", "Remote(ConnectionReset)"]),
                ),
            }
            st.account(DIR_OUT, h.pid, h.ip, Out::Failed, 0, false);
            // opportunistic connector: retry without STARTTLS under a new session-id
            s.followup = Some(Box::new(send_ext(w, st, srv_i, hid, now, true, nmsg)));
            return s;
        }
    }
    let chunking = matches!(h.style, Banner::Ms | Banner::Google | Banner::Postfix);
    for _ in 0..nmsg {
        let rdom = match h.mail_domain {
            Some(d) => w.names[d as usize].clone(),
            None => w.random_domain(&mut st.rng).to_string(),
        };
        let mid = msg_id(&mut st.rng, "org.example");
        st.record_id[srv_i] += 1;
        s.r(
            "*",
            "",
            &format!(
                "sending message with RecordId {} and InternetMessageId {mid}",
                st.record_id[srv_i]
            ),
        );
        let lp = *st.rng.pick(LOCAL_PARTS);
        let size = msg_size(&mut st.rng);
        s.r(
            ">",
            &format!("MAIL FROM:<{lp}@org.example> SIZE={size}"),
            "",
        );
        let nr = st.rng.weighted(&[(1u64, 80), (2, 12), (3, 8)]);
        for _ in 0..nr {
            let to = *st.rng.pick(LOCAL_PARTS);
            s.r(">", &format!("RCPT TO:<{to}@{rdom}>"), "");
        }
        s.r("<", "250 2.1.0 Sender OK", "");
        for _ in 0..nr {
            s.r("<", "250 2.1.5 Recipient OK", "");
        }
        if chunking {
            s.r(">", &format!("BDAT {size} LAST"), "");
        } else {
            s.r(">", "DATA", "");
            s.r("<", "354 End data with <CR><LF>.<CR><LF>", "");
        }
        let q = match h.style {
            Banner::Ms => {
                format!("250 2.6.0 {} [InternalId={}, Hostname={}] {} bytes in 0.{:03}, {}.{:03} KB/sec Queued mail for delivery", mid, st.rng.range(1_000_000, 99_999_999_999), h.banner.trim_end_matches('.'), size, st.rng.below(1000), st.rng.range(10, 900), st.rng.below(1000))
            }
            Banner::Google => format!(
                "250 2.0.0 OK  {} {}si{}.{} - gsmtp",
                now / 1000,
                st.rng.hex(10).to_ascii_lowercase(),
                st.rng.range(100000, 999999),
                st.rng.range(10, 999)
            ),
            Banner::Exim => format!(
                "250 OK id=1t{}-{}-{}",
                st.rng.hex(5),
                st.rng.hex(6),
                st.rng.hex(2)
            ),
            _ => format!("250 2.0.0 Ok: queued as 4Z{}", st.rng.hex(9)),
        };
        s.r("<", &q, "");
    }
    s.r(">", "QUIT", "");
    s.r("<", "221 2.0.0 Bye", "");
    s.r("-", "", "Local");
    st.account(DIR_OUT, h.pid, h.ip, out, nmsg, weak);
    s
}

// ───────────────────────────── streams & files ─────────────────────────────

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    FeRecv,
    HubRecv,
    FeSend,
    HubSend,
    LegRecv,
    LegSend,
}

impl Kind {
    fn recv(self) -> bool {
        matches!(self, Kind::FeRecv | Kind::HubRecv | Kind::LegRecv)
    }
    fn weight(self) -> f64 {
        match self {
            Kind::FeRecv => 1.0,
            Kind::HubRecv => 0.55,
            Kind::FeSend => 0.45,
            Kind::HubSend => 1.0,
            Kind::LegRecv => 0.9,
            Kind::LegSend => 0.8,
        }
    }
    fn max_open(self) -> usize {
        match self {
            Kind::FeRecv => 24,
            Kind::HubRecv => 10,
            Kind::FeSend => 8,
            Kind::HubSend => 20,
            Kind::LegRecv => 16,
            Kind::LegSend => 12,
        }
    }
}

struct Stream {
    srv: usize,
    kind: Kind,
    dir: PathBuf,
    hourly: bool,
    version: &'static str,
    lag_ms: u64,
    w: Option<BufWriter<File>>,
    period: u64,
    n: u32,
    size: u64,
    open: Vec<Session>,
}

struct Stats {
    bytes: u64,
    rows: u64,
    files: u64,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";
const FIELDS: &str = "date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context";

impl Stream {
    fn open_file(&mut self, write_ms: u64, stats: &mut Stats) -> io::Result<()> {
        if let Some(mut w) = self.w.take() {
            w.flush()?;
        }
        let t = tm(write_ms);
        let prefix = if self.kind.recv() { "RECV" } else { "SEND" };
        let name = if self.hourly {
            format!(
                "{prefix}{:04}{:02}{:02}{:02}-{}.LOG",
                t.y, t.mo, t.d, t.h, self.n
            )
        } else {
            format!("{prefix}{:04}{:02}{:02}-{}.LOG", t.y, t.mo, t.d, self.n)
        };
        let mut w = BufWriter::with_capacity(256 * 1024, File::create(self.dir.join(name))?);
        let log_type = if self.kind.recv() {
            "SMTP Receive Protocol Log"
        } else {
            "SMTP Send Protocol Log"
        };
        let hdr = format!(
            "#Software: Microsoft Exchange Server\r\n#Version: {}\r\n#Log-type: {}\r\n#Date: {}\r\n#Fields: {}\r\n",
            self.version,
            log_type,
            iso(write_ms),
            FIELDS
        );
        w.write_all(BOM)?;
        w.write_all(hdr.as_bytes())?;
        self.size = (BOM.len() + hdr.len()) as u64;
        stats.bytes += self.size;
        stats.files += 1;
        self.w = Some(w);
        Ok(())
    }

    fn write_row(
        &mut self,
        line: &[u8],
        row_ms: u64,
        max: u64,
        stats: &mut Stats,
    ) -> io::Result<()> {
        let wt = row_ms + self.lag_ms;
        let p = if self.hourly {
            wt / 3_600_000
        } else {
            wt / 86_400_000
        };
        if self.w.is_none() || p > self.period {
            self.period = p;
            self.n = 1;
            self.open_file(wt, stats)?;
        } else if self.size + line.len() as u64 > max && self.size > 400 {
            self.n += 1;
            self.open_file(wt, stats)?;
        }
        self.w.as_mut().unwrap().write_all(line)?;
        self.size += line.len() as u64;
        stats.bytes += line.len() as u64;
        stats.rows += 1;
        Ok(())
    }
}

// ───────────────────────────── driver ─────────────────────────────

struct Cfg {
    size: u64,
    seed: u64,
    servers: usize,
    legacy: usize,
    max_file: u64,
    hours: u64,
    partners: usize,
    out: PathBuf,
    quiet: bool,
}

struct Gen {
    w: World,
    st: State,
    streams: Vec<Stream>,
    scum: Vec<f64>,
    ts: TsFmt,
    line: Vec<u8>,
    stats: Stats,
    clock: u64,
    /// cumulative diurnal density per minute, normalised to [0, 1]
    cdf: Vec<f64>,
    cdf_i: usize,
    cfg_size: u64,
    max_file: u64,
}

impl Gen {
    fn warp(&mut self, f: f64) -> u64 {
        let n = self.cdf.len() - 1;
        if f >= 1.0 {
            return self.w.start_ms + n as u64 * 60_000;
        }
        while self.cdf_i + 1 < n && self.cdf[self.cdf_i + 1] <= f {
            self.cdf_i += 1;
        }
        let (a, b) = (self.cdf[self.cdf_i], self.cdf[self.cdf_i + 1]);
        let frac = if b > a {
            ((f - a) / (b - a)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.w.start_ms + ((self.cdf_i as f64 + frac) * 60_000.0) as u64
    }

    fn new_session(&mut self, si: usize) -> Session {
        let (srv, kind) = (self.streams[si].srv, self.streams[si].kind);
        let w = &self.w;
        let st = &mut self.st;
        let now = self.clock;
        let modern: Vec<usize> = (0..w.servers.len())
            .filter(|&i| w.servers[i].flavor != Flavor::Ex2010)
            .collect();
        let ext_client = |st: &mut State, devices: bool| -> u32 {
            let r = st.rng.f64();
            if r < 0.03 {
                *st.rng.pick(&w.bots)
            } else if r < 0.06 {
                *st.rng.pick(&w.literals)
            } else if devices && r < 0.10 {
                *st.rng.pick(&w.devices)
            } else {
                w.pick_partner_host(&mut st.rng)
            }
        };
        match kind {
            Kind::FeRecv => {
                let h = ext_client(st, true);
                recv_ext(w, st, srv, h, now, false)
            }
            Kind::LegRecv => {
                if st.rng.chance(0.75) || modern.is_empty() {
                    let h = ext_client(st, true);
                    recv_ext(w, st, srv, h, now, false)
                } else {
                    let p = *st.rng.pick(&modern);
                    recv_int(w, st, srv, p, false, now)
                }
            }
            Kind::HubRecv => {
                let p = st.rng.below(w.servers.len() as u64) as usize;
                let proxy = w.servers[p].flavor != Flavor::Ex2010 && st.rng.chance(0.7);
                recv_int(w, st, srv, p, proxy, now)
            }
            Kind::FeSend => {
                let p = *st.rng.pick(&modern);
                send_int(w, st, srv, p, true, now)
            }
            Kind::HubSend | Kind::LegSend => {
                let others: Vec<usize> = (0..w.servers.len())
                    .filter(|&i| {
                        i != srv && (kind == Kind::HubSend || w.servers[i].flavor != Flavor::Ex2010)
                    })
                    .collect();
                if st.rng.chance(0.8) || others.is_empty() {
                    let h = w.pick_partner_host(&mut st.rng);
                    send_ext(w, st, srv, h, now, false, 0)
                } else {
                    let p = *st.rng.pick(&others);
                    send_int(w, st, srv, p, false, now)
                }
            }
        }
    }

    /// Writes the next row of open session `j` of stream `si`.
    fn emit(&mut self, si: usize, j: usize) -> io::Result<()> {
        let st = &mut self.streams[si];
        let s = &mut st.open[j];
        let i = s.next as usize;
        let a = if i == 0 { 0 } else { s.ends[i - 1] as usize };
        let b = s.ends[i] as usize;
        let line = &mut self.line;
        line.clear();
        self.ts.push(line, self.clock);
        line.push(b',');
        line.extend_from_slice(s.connector.as_bytes());
        line.push(b',');
        for k in (0..16).rev() {
            line.push(HEX[((s.sid >> (k * 4)) & 15) as usize]);
        }
        line.push(b',');
        line.extend_from_slice(i.to_string().as_bytes());
        line.push(b',');
        if (i as u32) >= s.empty_local {
            line.extend_from_slice(s.local.as_bytes());
        }
        line.push(b',');
        line.extend_from_slice(s.remote.as_bytes());
        line.push(b',');
        line.extend_from_slice(&s.buf[a..b]);
        line.extend_from_slice(b"\r\n");
        s.next += 1;
        let done = s.next as usize == s.ends.len();
        st.write_row(line, self.clock, self.max_file, &mut self.stats)?;
        if done {
            let s = st.open.swap_remove(j);
            if let Some(f) = s.followup {
                st.open.push(*f);
            }
        }
        Ok(())
    }

    fn tick(&mut self) {
        let f = self.stats.bytes as f64 / self.cfg_size as f64;
        let t = self.warp(f);
        if t > self.clock {
            self.clock = t;
        }
    }

    fn step(&mut self, si: usize) -> io::Result<()> {
        self.tick();
        let n = self.streams[si].open.len();
        let max_open = self.streams[si].kind.max_open();
        let start = n < 2 || (n < max_open && self.st.rng.chance(0.06));
        let j = if start {
            let s = self.new_session(si);
            self.streams[si].open.push(s);
            self.streams[si].open.len() - 1
        } else {
            self.st.rng.below(n as u64) as usize
        };
        self.emit(si, j)
    }

    fn run(&mut self) -> io::Result<()> {
        let total = *self.scum.last().unwrap();
        while self.stats.bytes < self.cfg_size {
            let x = self.st.rng.f64() * total;
            let si = self
                .scum
                .partition_point(|&c| c <= x)
                .min(self.streams.len() - 1);
            self.step(si)?;
        }
        // drain: finish every open session (the clock creeps on a few ms per row)
        loop {
            let live: Vec<usize> = (0..self.streams.len())
                .filter(|&i| !self.streams[i].open.is_empty())
                .collect();
            if live.is_empty() {
                break;
            }
            for _ in 0..64 {
                let si = *self.st.rng.pick(&live);
                let n = self.streams[si].open.len();
                if n == 0 {
                    continue;
                }
                self.clock += self.st.rng.below(40);
                let j = self.st.rng.below(n as u64) as usize;
                self.emit(si, j)?;
            }
        }
        for s in &mut self.streams {
            if let Some(mut w) = s.w.take() {
                w.flush()?;
            }
        }
        Ok(())
    }

    fn write_expected(&self, path: &Path) -> io::Result<usize> {
        let mut rows: Vec<(&str, &str, &Counts)> = self
            .st
            .expected
            .iter()
            .map(|(&(d, p), c)| (DIR_NAMES[d as usize], self.w.names[p as usize].as_str(), c))
            .collect();
        rows.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let mut w = BufWriter::new(File::create(path)?);
        writeln!(w, "direction,partner,sessions,messages,tls1_3,tls1_2,tls1_1,tls1_0,ssl3,ssl2,tls_unknown,tls_failed,cleartext,weak_cipher,hosts")?;
        for (d, p, c) in &rows {
            let o = &c.outs;
            writeln!(
                w,
                "{d},{p},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                c.sessions,
                c.messages,
                o[Out::V13 as usize],
                o[Out::V12 as usize],
                o[Out::V11 as usize],
                o[Out::V10 as usize],
                o[Out::Ssl3 as usize],
                o[Out::Ssl2 as usize],
                o[Out::Unknown as usize],
                o[Out::Failed as usize],
                o[Out::Clear as usize],
                c.weak,
                c.hosts.len()
            )?;
        }
        w.flush()?;
        Ok(rows.len())
    }
}

fn diurnal_cdf(hours: u64) -> Vec<f64> {
    let n = (hours * 60) as usize;
    let mut cdf = Vec::with_capacity(n + 1);
    let mut acc = 0.0;
    cdf.push(0.0);
    for m in 0..n {
        let h = (m % 1440) as f64 / 60.0;
        let day = if h > 6.0 && h < 20.0 {
            (std::f64::consts::PI * (h - 6.0) / 14.0).sin()
        } else {
            0.0
        };
        acc += 0.15 + 1.2 * day;
        cdf.push(acc);
    }
    for c in &mut cdf {
        *c /= acc;
    }
    cdf
}

fn generate(cfg: &Cfg) -> io::Result<()> {
    let t0 = Instant::now();
    if cfg.out.exists() && fs::read_dir(&cfg.out)?.next().is_some() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} exists and is not empty; refusing to mix corpora",
                cfg.out.display()
            ),
        ));
    }
    let w = build_world(cfg);
    let mut rng = Rng::new(cfg.seed, 2);
    let mut streams = Vec::new();
    for (i, s) in w.servers.iter().enumerate() {
        let base = cfg.out.join(&s.name);
        let kinds: &[(Kind, &str)] = if s.flavor == Flavor::Ex2010 {
            &[
                (Kind::LegRecv, "ProtocolLog/SmtpReceive"),
                (Kind::LegSend, "ProtocolLog/SmtpSend"),
            ]
        } else {
            &[
                (Kind::FeRecv, "FrontEnd/ProtocolLog/SmtpReceive"),
                (Kind::HubRecv, "Hub/ProtocolLog/SmtpReceive"),
                (Kind::HubSend, "Hub/ProtocolLog/SmtpSend"),
                (Kind::FeSend, "FrontEnd/ProtocolLog/SmtpSend"),
            ]
        };
        for &(kind, sub) in kinds {
            let dir = base.join(sub);
            fs::create_dir_all(&dir)?;
            streams.push(Stream {
                srv: i,
                kind,
                dir,
                hourly: s.flavor.hourly(),
                version: s.flavor.version(),
                lag_ms: rng.range(0, 2500),
                w: None,
                period: 0,
                n: 0,
                size: 0,
                open: Vec::new(),
            });
        }
    }
    let mut scum = Vec::new();
    let mut acc = 0.0;
    for s in &streams {
        acc += s.kind.weight();
        scum.push(acc);
    }
    let nsrv = w.servers.len();
    let st = State {
        rng,
        sid_next: (0..nsrv)
            .map(|i| {
                0x08DE_2B40_0000_0000u64
                    + ((i as u64 + 1) << 36)
                    + (mix64(cfg.seed ^ i as u64) & 0xFFF_FFFF)
            })
            .collect(),
        internal_id: (0..nsrv)
            .map(|i| 1_000_000 + i as u64 * 7_000_000)
            .collect(),
        record_id: (0..nsrv)
            .map(|i| 40_000_000 + i as u64 * 5_000_000)
            .collect(),
        expected: BTreeMap::new(),
        sessions: 0,
        messages: 0,
    };
    let mut g = Gen {
        clock: w.start_ms,
        w,
        st,
        streams,
        scum,
        ts: TsFmt {
            sec: 0,
            pre: Vec::new(),
        },
        line: Vec::with_capacity(4096),
        stats: Stats {
            bytes: 0,
            rows: 0,
            files: 0,
        },
        cdf: diurnal_cdf(cfg.hours),
        cdf_i: 0,
        cfg_size: cfg.size,
        max_file: cfg.max_file,
    };
    g.run()?;
    let nexp = g.write_expected(&cfg.out.join("expected.csv"))?;
    let el = t0.elapsed().as_secs_f64();
    if !cfg.quiet {
        eprintln!(
            "gen-corpus: {} files, {} bytes ({:.1} MB), {} rows, {} sessions, {} messages, {} expected rows, {} .. {} in {:.2} s ({:.0} MB/s) -> {}",
            g.stats.files,
            g.stats.bytes,
            g.stats.bytes as f64 / 1e6,
            g.stats.rows,
            g.st.sessions,
            g.st.messages,
            nexp,
            iso(g.w.start_ms),
            iso(g.clock),
            el,
            g.stats.bytes as f64 / 1e6 / el,
            cfg.out.display()
        );
    }
    Ok(())
}

// ───────────────────────────── CLI ─────────────────────────────

const HELP: &str = "gen-corpus — deterministic Exchange SMTP protocol-log corpus generator

USAGE:
    gen-corpus [OPTIONS] OUT_DIR

Writes OUT_DIR/EXnn/{FrontEnd,Hub}/ProtocolLog/{SmtpReceive,SmtpSend}/RECV|SENDyyyyMMddHH-N.LOG
(Exchange 2013: daily RECVyyyyMMdd-N.LOG; Exchange 2010: OUT_DIR/EXnn/ProtocolLog/...)
and OUT_DIR/expected.csv, the ground truth per (direction, partner). OUT_DIR must be
absent or empty. Same flags => byte-identical output.

OPTIONS:
    --size SIZE           total log bytes to write (default 1GiB); suffixes KiB MiB GiB
                          (binary), KB MB GB (decimal), or plain bytes
    --seed N              PRNG seed (default 42)
    --servers N           number of Exchange servers (default 4)
    --legacy N            how many of them are Exchange 2010 (default 1 if servers >= 2);
                          2010 writes no TLS protocol line, so its TLS sessions are tls_unknown
    --max-file-size SIZE  size rollover threshold per file (default 10MiB)
    --hours N             simulated period in hours from 2026-11-25T00:00Z (default 24)
    --partners N          generated partner domains (default: scales with size, 200..5000)
    -q, --quiet           no summary on stderr
    -h, --help            this text

SERVER FLAVOURS (cycled over the non-legacy servers): 2019 (hourly, single-row certs,
flattened EHLO replies, TLS 1.3 as 4096/8192 before mid-period then SP_PROT_TLS1_3_*),
2016 (hourly, multi-row certs, per-line EHLO replies, localized intra-org connector),
2013 (daily files, CALG_ECDHE).

expected.csv columns:
    direction,partner,sessions,messages,tls1_3,tls1_2,tls1_1,tls1_0,ssl3,ssl2,
    tls_unknown,tls_failed,cleartext,weak_cipher,hosts
";

fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let i = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(i);
    let v: f64 = num.parse().map_err(|_| format!("bad size: {s}"))?;
    let m: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        _ => {
            return Err(format!(
                "bad size unit in {s} (use KiB, MiB, GiB, KB, MB, GB)"
            ))
        }
    };
    let b = (v * m) as u64;
    if b == 0 {
        return Err(format!("size must be > 0: {s}"));
    }
    Ok(b)
}

fn parse_args() -> Result<Cfg, String> {
    let mut size = 1u64 << 30;
    let mut seed = 42u64;
    let mut servers = 4usize;
    let mut legacy: Option<usize> = None;
    let mut max_file = 10u64 << 20;
    let mut hours = 24u64;
    let mut partners: Option<usize> = None;
    let mut quiet = false;
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let (k, inline) = match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut val = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{name} needs a value"))
        };
        let num = |v: String, name: &str| -> Result<u64, String> {
            v.parse::<u64>()
                .map_err(|_| format!("{name}: not a number: {v}"))
        };
        match k.as_str() {
            "-h" | "--help" => {
                print!("{HELP}");
                std::process::exit(0);
            }
            "--size" => size = parse_size(&val("--size")?)?,
            "--seed" => seed = num(val("--seed")?, "--seed")?,
            "--servers" => servers = num(val("--servers")?, "--servers")? as usize,
            "--legacy" => legacy = Some(num(val("--legacy")?, "--legacy")? as usize),
            "--max-file-size" => max_file = parse_size(&val("--max-file-size")?)?,
            "--hours" => hours = num(val("--hours")?, "--hours")?,
            "--partners" => partners = Some(num(val("--partners")?, "--partners")? as usize),
            "-q" | "--quiet" => quiet = true,
            _ if k.starts_with('-') && k.len() > 1 => {
                return Err(format!("unknown option {k} (see --help)"))
            }
            _ => {
                if out.is_some() {
                    return Err(format!("unexpected argument {a}"));
                }
                out = Some(PathBuf::from(a));
            }
        }
    }
    let out = out.ok_or("missing OUT_DIR (see --help)")?;
    if !(1..=99).contains(&servers) {
        return Err("--servers must be 1..99".into());
    }
    let legacy = legacy.unwrap_or(if servers >= 2 { 1 } else { 0 });
    if legacy >= servers {
        return Err("--legacy must be smaller than --servers (at least one 2013+ server)".into());
    }
    if hours == 0 || hours > 24 * 366 {
        return Err("--hours must be 1..8784".into());
    }
    if max_file < 4096 {
        return Err("--max-file-size must be at least 4KiB".into());
    }
    let partners = partners
        .unwrap_or(((size >> 20) as usize * 2).clamp(200, 5000))
        .max(1);
    Ok(Cfg {
        size,
        seed,
        servers,
        legacy,
        max_file,
        hours,
        partners,
        out,
        quiet,
    })
}

fn main() -> ExitCode {
    let cfg = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("gen-corpus: {e}");
            return ExitCode::from(2);
        }
    };
    match generate(&cfg) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-corpus: {e}");
            ExitCode::FAILURE
        }
    }
}
