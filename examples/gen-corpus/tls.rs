//! The TLS model: protocol versions, cipher suites, each host's TLS profile, and what one
//! STARTTLS attempt turns into.

use crate::fallback::Try;
use crate::host::Host;
use crate::rng::Rng;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Ver {
    Ssl2,
    Ssl3,
    T10,
    T11,
    T12,
    T13,
}

#[derive(Clone, Copy)]
pub enum Kex {
    Ecdh,
    Rsa,
    Dh,
}

/// A cipher suite as Schannel logs it: bulk cipher, MAC and key exchange, each with its
/// strength in bits.
#[derive(Clone, Copy)]
pub struct Suite {
    pub bulk: &'static str,
    pub bbits: u16,
    pub mac: &'static str,
    pub mbits: u16,
    pub kex: Kex,
    pub kbits: u16,
}

impl Suite {
    /// The ground truth's `weak_cipher`: RC4, (3)DES, RC2 or an MD5 MAC.
    pub fn weak(&self) -> bool {
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

pub const AES256_GCM: Suite = su("CALG_AES_256", 256, "CALG_SHA_384", 0, Kex::Ecdh, 384);
pub const AES128_GCM: Suite = su("CALG_AES_128", 128, "CALG_SHA_256", 0, Kex::Ecdh, 256);
pub const AES256_GCM_DH: Suite = su("CALG_AES_256", 256, "CALG_SHA_384", 0, Kex::Dh, 2048);
pub const AES256_CBC_ECDH: Suite = su("CALG_AES_256", 256, "CALG_SHA1", 160, Kex::Ecdh, 256);
pub const AES128_CBC_ECDH: Suite = su("CALG_AES_128", 128, "CALG_SHA1", 160, Kex::Ecdh, 256);
pub const AES128_CBC_RSA: Suite = su("CALG_AES_128", 128, "CALG_SHA1", 160, Kex::Rsa, 2048);
pub const AES256_CBC256_RSA: Suite = su("CALG_AES_256", 256, "CALG_SHA_256", 256, Kex::Rsa, 2048);
pub const TDES_RSA: Suite = su("CALG_3DES", 168, "CALG_SHA1", 160, Kex::Rsa, 2048);
pub const RC4_SHA: Suite = su("CALG_RC4", 128, "CALG_SHA1", 160, Kex::Rsa, 1024);
pub const RC4_MD5: Suite = su("CALG_RC4", 128, "CALG_MD5", 128, Kex::Rsa, 1024);
pub const DES_SHA: Suite = su("CALG_DES", 56, "CALG_SHA1", 160, Kex::Rsa, 1024);
pub const RC2_MD5: Suite = su("CALG_RC2", 40, "CALG_MD5", 128, Kex::Rsa, 512);

/// How a host does TLS, for its whole life: the best version it speaks, or that it never
/// tries (`Clear`), sometimes fails (`Flaky`) or always fails (`Fail`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Profile {
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

/// How common each profile is among partner MTAs.
pub const PROFILE_MIX: &[(Profile, u32)] = &[
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
pub enum Dec {
    Clear,
    Ok(Ver, Suite),
    /// Some(error name) = failure line; None = STARTTLS then disconnect.
    Fail(Option<&'static str>),
    /// an old MTA offered more than TLS 1.0 by our server: it drops the connection
    /// during the handshake (`SocketError`); send logs only
    Dropped,
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

/// Attempt `t` of host `h` at a server that speaks at most `srv_max`: a cleartext
/// retry, a failure its schedule wants, or what the host's profile makes of it.
pub fn attempt(h: &Host, srv_max: Ver, send: bool, t: Try, rng: &mut Rng) -> Dec {
    match t {
        Try::Retry { clear: true, .. } => Dec::Clear,
        Try::Fail => failure(send, rng),
        _ => decide(h, srv_max, send, rng),
    }
}

/// A failed handshake: mostly with the error line, else STARTTLS and a disconnect.
fn failure(send: bool, rng: &mut Rng) -> Dec {
    let errs = if send { SEND_ERRORS } else { RECV_ERRORS };
    if rng.chance(0.7) {
        Dec::Fail(Some(*rng.pick(errs)))
    } else {
        Dec::Fail(None)
    }
}

/// One STARTTLS attempt between host `h` and a server that speaks at most `srv_max`;
/// `send` picks the error names Exchange logs on its sending side.
fn decide(h: &Host, srv_max: Ver, send: bool, rng: &mut Rng) -> Dec {
    if send && h.drops_above_10 && srv_max > Ver::T10 {
        return Dec::Dropped;
    }
    let errs = if send { SEND_ERRORS } else { RECV_ERRORS };
    let v = match h.profile {
        Profile::Clear => return Dec::Clear,
        Profile::Fail => return failure(send, rng),
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

/// The suites of a new host, one per version family, drawn in this order: TLS 1.3,
/// TLS 1.2, TLS 1.0/1.1, SSL.
pub fn host_suites(profile: Profile, rng: &mut Rng) -> [Suite; 4] {
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
    [s13, s12, s10, sold]
}
