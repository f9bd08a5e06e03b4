//! The TLS vocabulary: protocol versions, CryptoAPI algorithm names, what counts as weak,
//! and the policy question being asked (`--min-tls`, `--disable-cipher`).

use std::borrow::Cow;
use std::fmt;

/// A negotiated protocol as Exchange names it in the success line.
///
/// Ordered from oldest to newest so that `>=` answers "is this allowed under a minimum".
/// `Other` keeps anything we do not recognise (`SP_PROT_PCT1_SERVER`, `Zero`, an odd
/// number) verbatim rather than dropping the session.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Protocol {
    Ssl2,
    Ssl3,
    Tls10,
    Tls11,
    Tls12,
    Tls13,
    Other(Box<str>),
}

impl Protocol {
    /// A known version's rank (higher is newer); `None` for protocols we cannot place.
    pub fn rank(&self) -> Option<u8> {
        match self {
            Protocol::Ssl2 => Some(0),
            Protocol::Ssl3 => Some(1),
            Protocol::Tls10 => Some(2),
            Protocol::Tls11 => Some(3),
            Protocol::Tls12 => Some(4),
            Protocol::Tls13 => Some(5),
            Protocol::Other(_) => None,
        }
    }
}

/// The lowest protocol a hardened server would still accept. Written as `1.1`, `1.2`, `1.3`
/// in every output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinTls {
    Tls11,
    Tls12,
    Tls13,
}

impl MinTls {
    /// Parses `1.1`, `1.2`, `1.3` (also `tls1.2`, `TLS1_2`).
    pub fn parse(s: &str) -> Option<MinTls> {
        let t = s.trim().to_ascii_lowercase().replace('_', ".");
        match t.trim_start_matches("tls").trim_start_matches(' ') {
            "1.1" => Some(MinTls::Tls11),
            "1.2" => Some(MinTls::Tls12),
            "1.3" => Some(MinTls::Tls13),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            MinTls::Tls11 => "1.1",
            MinTls::Tls12 => "1.2",
            MinTls::Tls13 => "1.3",
        }
    }

    /// The lowest [`Protocol::rank`] allowed.
    pub fn rank(&self) -> u8 {
        match self {
            MinTls::Tls11 => 3,
            MinTls::Tls12 => 4,
            MinTls::Tls13 => 5,
        }
    }

    /// Whether a session at `protocol` would still negotiate TLS under this minimum.
    /// Unplaceable protocols answer `None`.
    pub fn allows(&self, protocol: &Protocol) -> Option<bool> {
        protocol.rank().map(|r| r >= self.rank())
    }
}

impl serde::Serialize for MinTls {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for MinTls {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        MinTls::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("min_tls '{s}'")))
    }
}

impl fmt::Display for MinTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TLS {}", self.as_str())
    }
}

/// The algorithms of a successful negotiation, as CryptoAPI names them.
///
/// Names are kept as text (normalised where Exchange versions disagree) because unknown
/// values print as numbers and must survive verbatim into the report.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Cipher {
    pub bulk: Cow<'static, str>,
    pub mac: Cow<'static, str>,
    pub kex: Cow<'static, str>,
}

/// The CryptoAPI names Exchange logs, kept without an allocation per session.
const KNOWN_ALGS: &[&str] = &[
    "AES_128", "AES_192", "AES_256", "AES", "3DES", "3DES_112", "DES", "DESX", "RC2", "RC4",
    "SHA1", "SHA", "SHA_256", "SHA_384", "SHA_512", "MD5", "HMAC", "ECDHE", "ECDH", "RSA_KEYX",
    "DH_EPHEM", "ECDSA", "None", "0", "?",
];

fn known(name: &str) -> Cow<'static, str> {
    KNOWN_ALGS
        .iter()
        .find(|k| **k == name)
        .map_or_else(|| Cow::Owned(name.to_string()), |k| Cow::Borrowed(*k))
}

impl Cipher {
    pub fn new(bulk: &str, mac: &str, kex: &str) -> Cipher {
        Cipher {
            bulk: known(short_alg(bulk)),
            mac: known(short_alg(mac)),
            kex: known(normalise_kex(short_alg(kex))),
        }
    }

    /// RC4, DES, 3DES or RC2 bulk encryption, or an MD5 MAC.
    pub fn is_weak(&self) -> bool {
        matches!(&*self.bulk, "RC4" | "DES" | "3DES" | "RC2" | "DESX") || &*self.mac == "MD5"
    }

    /// `bulk/mac/kex`, the form used in reports.
    pub fn label(&self) -> String {
        format!("{}/{}/{}", self.bulk, self.mac, self.kex)
    }
}

/// `CALG_AES_256` → `AES_256`; numbers and `None` stay as they are.
fn short_alg(name: &str) -> &str {
    name.strip_prefix("CALG_").unwrap_or(name)
}

/// Exchange 2013 writes `CALG_ECDHE`, 2016+ `CALG_ECDH_EPHEM`: the same CryptoAPI value.
fn normalise_kex(kex: &str) -> &str {
    match kex {
        "ECDH_EPHEM" => "ECDHE",
        other => other,
    }
}

/// An algorithm `--disable-cipher` switches off: a session that used it is refused like
/// one below the minimum version. Matched against the logged bulk and MAC algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DisabledCipher {
    Rc4,
    TripleDes,
    Des,
    Rc2,
    Md5,
    Sha1,
}

impl DisabledCipher {
    pub const ALL: [DisabledCipher; 6] = [
        DisabledCipher::Rc4,
        DisabledCipher::TripleDes,
        DisabledCipher::Des,
        DisabledCipher::Rc2,
        DisabledCipher::Md5,
        DisabledCipher::Sha1,
    ];

    /// The name on the command line and in every output.
    pub fn as_str(&self) -> &'static str {
        match self {
            DisabledCipher::Rc4 => "RC4",
            DisabledCipher::TripleDes => "3DES",
            DisabledCipher::Des => "DES",
            DisabledCipher::Rc2 => "RC2",
            DisabledCipher::Md5 => "MD5",
            DisabledCipher::Sha1 => "SHA1",
        }
    }

    /// Any case: `rc4`, `3des`, `Sha1`.
    pub fn parse(s: &str) -> Option<DisabledCipher> {
        let s = s.trim();
        DisabledCipher::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
    }

    /// The logged algorithm names this switches off: bulk names, then MAC names.
    /// CryptoAPI logs 3DES with two keys as `3DES_112`, and older Exchange SHA-1 as `SHA`.
    fn names(&self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            DisabledCipher::Rc4 => (&["RC4"], &[]),
            DisabledCipher::TripleDes => (&["3DES", "3DES_112"], &[]),
            DisabledCipher::Des => (&["DES", "DESX"], &[]),
            DisabledCipher::Rc2 => (&["RC2"], &[]),
            DisabledCipher::Md5 => (&[], &["MD5"]),
            DisabledCipher::Sha1 => (&[], &["SHA1", "SHA"]),
        }
    }

    /// Whether a session negotiated with `cipher` used this algorithm.
    pub fn matches(&self, cipher: &Cipher) -> bool {
        let (bulk, mac) = self.names();
        bulk.iter().any(|b| cipher.bulk.eq_ignore_ascii_case(b))
            || mac.iter().any(|m| cipher.mac.eq_ignore_ascii_case(m))
    }

    /// Whether any of `disabled` switches off `cipher`.
    pub fn any_matches(disabled: &[DisabledCipher], cipher: &Cipher) -> bool {
        disabled.iter().any(|d| d.matches(cipher))
    }
}

impl serde::Serialize for DisabledCipher {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for DisabledCipher {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DisabledCipher::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("disable_cipher '{s}'")))
    }
}

/// What a session's TLS amounted to. Every session has exactly one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TlsOutcome {
    /// The success line was logged.
    Negotiated(Protocol, Cipher),
    /// STARTTLS/X-ANONYMOUSTLS accepted and the session went on, but no protocol line
    /// (Exchange 2007/2010, or the file holding it is missing).
    Unknown,
    /// A failure line, or STARTTLS followed by the end of the session.
    Failed,
    /// TLS never attempted, and the rows show where it would have started.
    Cleartext,
    /// No TLS seen, but the rows that would show it are missing.
    Incomplete,
    /// The connection failed, or closed before the client sent an SMTP command.
    NoConversation,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kex_names_of_2013_and_2016_are_one() {
        assert_eq!(
            Cipher::new("CALG_AES_256", "CALG_SHA_384", "CALG_ECDH_EPHEM"),
            Cipher::new("CALG_AES_256", "CALG_SHA_384", "CALG_ECDHE")
        );
    }

    #[test]
    fn weak_ciphers() {
        assert!(Cipher::new("CALG_RC4", "CALG_SHA1", "CALG_RSA_KEYX").is_weak());
        assert!(Cipher::new("CALG_3DES", "CALG_SHA1", "CALG_RSA_KEYX").is_weak());
        assert!(Cipher::new("CALG_AES_128", "CALG_MD5", "CALG_RSA_KEYX").is_weak());
        assert!(!Cipher::new("CALG_AES_128", "CALG_SHA_256", "CALG_ECDHE").is_weak());
        assert!(!Cipher::new("26128", "0", "None").is_weak());
    }

    #[test]
    fn disabled_ciphers_match_bulk_and_mac() {
        let rc4 = Cipher::new("CALG_RC4", "CALG_SHA1", "CALG_RSA_KEYX");
        let aes_sha = Cipher::new("CALG_AES_128", "CALG_SHA", "CALG_RSA_KEYX");
        let des3 = Cipher::new("CALG_3DES_112", "CALG_SHA_256", "CALG_RSA_KEYX");
        let modern = Cipher::new("CALG_AES_256", "CALG_SHA_384", "CALG_ECDHE");
        assert!(DisabledCipher::Rc4.matches(&rc4));
        assert!(!DisabledCipher::Rc4.matches(&modern));
        assert!(DisabledCipher::Sha1.matches(&rc4));
        assert!(DisabledCipher::Sha1.matches(&aes_sha));
        assert!(DisabledCipher::TripleDes.matches(&des3));
        assert!(!DisabledCipher::Des.matches(&des3));
        assert!(!DisabledCipher::Md5.matches(&rc4));
        let none = DisabledCipher::ALL.iter().any(|d| d.matches(&modern));
        assert!(!none, "no disabled cipher matches AES/SHA-384");
        assert!(DisabledCipher::any_matches(
            &[DisabledCipher::Md5, DisabledCipher::Rc4],
            &rc4
        ));
        assert!(!DisabledCipher::any_matches(&[], &rc4));
    }

    #[test]
    fn disabled_cipher_names_round_trip_in_any_case() {
        for c in DisabledCipher::ALL {
            assert_eq!(DisabledCipher::parse(c.as_str()), Some(c));
            assert_eq!(DisabledCipher::parse(&c.as_str().to_lowercase()), Some(c));
        }
        assert_eq!(DisabledCipher::parse("FOO"), None);
    }

    #[test]
    fn min_tls_allows() {
        assert_eq!(MinTls::Tls11.allows(&Protocol::Tls10), Some(false));
        assert_eq!(MinTls::Tls11.allows(&Protocol::Tls11), Some(true));
        assert_eq!(MinTls::Tls12.allows(&Protocol::Tls11), Some(false));
        assert_eq!(MinTls::Tls12.allows(&Protocol::Tls13), Some(true));
        assert_eq!(MinTls::Tls11.allows(&Protocol::Other("16384".into())), None);
        assert_eq!(MinTls::parse("1.2"), Some(MinTls::Tls12));
        assert_eq!(MinTls::parse("TLS1_3"), Some(MinTls::Tls13));
        assert_eq!(MinTls::parse("1.0"), None);
    }
}
