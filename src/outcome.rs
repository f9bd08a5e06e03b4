//! The outcome columns: the fixed set of classes a session's TLS is counted in. `Outcome`
//! is the one source of every name derived from them (CSV header, JSON keys, polars
//! column names, labels), and `OutcomeCounts` counts sessions per outcome by index.

use std::fmt;
use std::ops::{AddAssign, Index, IndexMut};

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::tls::{Protocol, TlsOutcome};

/// The column a session is counted in, newest protocol first. The order is the order of
/// the columns in every output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    Tls13,
    Tls12,
    Tls11,
    Tls10,
    Ssl3,
    Ssl2,
    /// TLS used, version not logged (or a protocol we cannot place).
    TlsUnknown,
    TlsFailed,
    /// No TLS attempted, seen from the start through a mail command or the disconnect.
    Cleartext,
    /// The rows that would show the outcome are missing (start or end not in the logs).
    Incomplete,
    /// The connection failed, or closed before the client side sent any SMTP command.
    NoConversation,
}

impl Outcome {
    /// Every outcome, in column order.
    pub const ALL: [Outcome; 11] = [
        Outcome::Tls13,
        Outcome::Tls12,
        Outcome::Tls11,
        Outcome::Tls10,
        Outcome::Ssl3,
        Outcome::Ssl2,
        Outcome::TlsUnknown,
        Outcome::TlsFailed,
        Outcome::Cleartext,
        Outcome::Incomplete,
        Outcome::NoConversation,
    ];

    /// The outcomes that say what TLS did; the others say the rows cannot tell, and never
    /// decide an impact.
    pub fn is_known(self) -> bool {
        !matches!(self, Outcome::Incomplete | Outcome::NoConversation)
    }

    pub const COUNT: usize = Outcome::ALL.len();

    /// The column name (CSV header, JSON key, polars column).
    pub fn column(self) -> &'static str {
        match self {
            Outcome::Tls13 => "tls1_3",
            Outcome::Tls12 => "tls1_2",
            Outcome::Tls11 => "tls1_1",
            Outcome::Tls10 => "tls1_0",
            Outcome::Ssl3 => "ssl3",
            Outcome::Ssl2 => "ssl2",
            Outcome::TlsUnknown => "tls_unknown",
            Outcome::TlsFailed => "tls_failed",
            Outcome::Cleartext => "cleartext",
            Outcome::Incomplete => "incomplete",
            Outcome::NoConversation => "no_conversation",
        }
    }

    /// What a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Tls13 => "TLS 1.3",
            Outcome::Tls12 => "TLS 1.2",
            Outcome::Tls11 => "TLS 1.1",
            Outcome::Tls10 => "TLS 1.0",
            Outcome::Ssl3 => "SSL 3.0",
            Outcome::Ssl2 => "SSL 2.0",
            Outcome::TlsUnknown => "TLS (version not logged)",
            Outcome::TlsFailed => "TLS failed",
            Outcome::Cleartext => "cleartext",
            Outcome::Incomplete => "rows missing",
            Outcome::NoConversation => "no SMTP conversation",
        }
    }

    /// The column of a session's outcome.
    pub fn of(outcome: &TlsOutcome) -> Outcome {
        match outcome {
            TlsOutcome::Negotiated(p, _) => match p {
                Protocol::Tls13 => Outcome::Tls13,
                Protocol::Tls12 => Outcome::Tls12,
                Protocol::Tls11 => Outcome::Tls11,
                Protocol::Tls10 => Outcome::Tls10,
                Protocol::Ssl3 => Outcome::Ssl3,
                Protocol::Ssl2 => Outcome::Ssl2,
                Protocol::Other(_) => Outcome::TlsUnknown,
            },
            TlsOutcome::Unknown => Outcome::TlsUnknown,
            TlsOutcome::Failed => Outcome::TlsFailed,
            TlsOutcome::Cleartext => Outcome::Cleartext,
            TlsOutcome::Incomplete => Outcome::Incomplete,
            TlsOutcome::NoConversation => Outcome::NoConversation,
        }
    }

    /// The version a TLS outcome column counts; `None` for the columns without one.
    pub fn protocol(self) -> Option<Protocol> {
        match self {
            Outcome::Tls13 => Some(Protocol::Tls13),
            Outcome::Tls12 => Some(Protocol::Tls12),
            Outcome::Tls11 => Some(Protocol::Tls11),
            Outcome::Tls10 => Some(Protocol::Tls10),
            Outcome::Ssl3 => Some(Protocol::Ssl3),
            Outcome::Ssl2 => Some(Protocol::Ssl2),
            _ => None,
        }
    }

    /// The outcome named by a column.
    pub fn parse(column: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.column() == column)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.column())
    }
}

/// An outcome in JSON is its column name.
impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.column())
    }
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Outcome::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("outcome '{s}'")))
    }
}

/// Sessions per outcome, indexed by [`Outcome`]. Serialised as one key per column, in
/// column order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutcomeCounts([u64; Outcome::COUNT]);

impl OutcomeCounts {
    /// The sessions of every outcome: the outcome columns partition the sessions.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// Each outcome with its count, in column order.
    pub fn iter(&self) -> impl Iterator<Item = (Outcome, u64)> + '_ {
        Outcome::ALL.into_iter().map(|o| (o, self[o]))
    }

    /// `TLS 1.0 ×12, TLS 1.2 ×3`: the non-zero outcomes, in column order.
    pub fn summary(&self) -> String {
        (self.iter())
            .filter(|(_, n)| *n > 0)
            .map(|(o, n)| format!("{} ×{n}", o.label()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Index<Outcome> for OutcomeCounts {
    type Output = u64;
    fn index(&self, o: Outcome) -> &u64 {
        &self.0[o as usize]
    }
}

impl IndexMut<Outcome> for OutcomeCounts {
    fn index_mut(&mut self, o: Outcome) -> &mut u64 {
        &mut self.0[o as usize]
    }
}

impl AddAssign<&OutcomeCounts> for OutcomeCounts {
    fn add_assign(&mut self, o: &OutcomeCounts) {
        for (mine, theirs) in self.0.iter_mut().zip(o.0) {
            *mine += theirs;
        }
    }
}

impl Serialize for OutcomeCounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(Outcome::COUNT))?;
        for (o, n) in self.iter() {
            map.serialize_entry(o.column(), &n)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for OutcomeCounts {
    /// Reads the outcome keys of a map and ignores any other key (the counts sit flattened
    /// in a partner or server object); a missing outcome counts 0, so a report written
    /// before an outcome existed still reads.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Counts;
        impl<'de> Visitor<'de> for Counts {
            type Value = OutcomeCounts;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of outcome columns to counts")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OutcomeCounts, A::Error> {
                let mut counts = OutcomeCounts::default();
                while let Some(key) = map.next_key::<String>()? {
                    match Outcome::parse(&key) {
                        Some(o) => counts[o] = map.next_value()?,
                        None => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(counts)
            }
        }
        d.deserialize_map(Counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::Cipher;

    #[test]
    fn every_outcome_has_its_own_column() {
        for (i, o) in Outcome::ALL.into_iter().enumerate() {
            assert_eq!(o as usize, i, "ALL is in declaration order");
            assert_eq!(Outcome::parse(o.column()), Some(o));
        }
        assert_eq!(Outcome::parse("tls1_4"), None);
    }

    #[test]
    fn unplaceable_protocols_count_as_version_not_logged() {
        let other = TlsOutcome::Negotiated(Protocol::Other("16384".into()), Cipher::default());
        assert_eq!(Outcome::of(&other), Outcome::TlsUnknown);
        assert_eq!(Outcome::of(&TlsOutcome::Unknown), Outcome::TlsUnknown);
        let tls10 = TlsOutcome::Negotiated(Protocol::Tls10, Cipher::default());
        assert_eq!(Outcome::of(&tls10), Outcome::Tls10);
    }

    #[test]
    fn counts_summary_and_round_trip() {
        let mut c = OutcomeCounts::default();
        c[Outcome::Tls10] = 12;
        c[Outcome::Tls12] = 3;
        assert_eq!(c.summary(), "TLS 1.2 ×3, TLS 1.0 ×12");
        assert_eq!(c.total(), 15);
        let text = serde_json::to_string(&c).unwrap();
        let at: Vec<_> = (Outcome::ALL.iter())
            .map(|o| text.find(&format!("\"{}\":", o.column())).unwrap())
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "column order: {text}");
        let mut other = serde_json::to_value(c).unwrap();
        other["other"] = "x".into();
        let back: OutcomeCounts = serde_json::from_value(other).unwrap();
        assert_eq!(back, c);
    }
}
