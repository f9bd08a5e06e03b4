//! What a report says: each partner's impact class and counts, the organisation's own
//! servers, the input problems and the run's totals. Plain data, typed; the writers
//! print it and the check judges it, neither known here.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use super::days::{DayRange, DayRow};
use crate::collect::Stats;
use crate::outcome::{Outcome, OutcomeCounts};
use crate::parse::header::LogKind;
use crate::parse::time::Millis;
use crate::partner::Direction;
use crate::tls::{DisabledCipher, MinTls};

/// What disabling old TLS does to a partner's mail, worst first: the declaration order is
/// the order of every listing, and the discriminant is the class's code in the partner
/// table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// Would be affected, and TLS is required for it: mail queues instead of falling back.
    MailStops,
    /// Negotiated TLS, but never a version the new minimum allows: goes on in cleartext.
    FallsBackToCleartext,
    /// Some of its TLS sessions are allowed, some are not (the `affected_hosts`).
    PartiallyAffected,
    /// No TLS success, at least one failure: already broken.
    TlsFailing,
    /// Only TLS sessions whose version was not logged.
    Unknown,
    /// Never attempted TLS: nothing changes.
    CleartextOnly,
    /// No session whose rows show what TLS did (only cut sessions and probes).
    NoEvidence,
    /// Every TLS session at an allowed version.
    Unaffected,
}

impl Impact {
    pub const ALL: [Impact; 8] = [
        Impact::MailStops,
        Impact::FallsBackToCleartext,
        Impact::PartiallyAffected,
        Impact::TlsFailing,
        Impact::Unknown,
        Impact::CleartextOnly,
        Impact::NoEvidence,
        Impact::Unaffected,
    ];

    /// What `check` fails on unless told otherwise.
    pub const DEFAULT_FAIL_ON: [Impact; 3] = [
        Impact::MailStops,
        Impact::FallsBackToCleartext,
        Impact::PartiallyAffected,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Impact::MailStops => "mail_stops",
            Impact::FallsBackToCleartext => "falls_back_to_cleartext",
            Impact::PartiallyAffected => "partially_affected",
            Impact::TlsFailing => "tls_failing",
            Impact::Unknown => "unknown",
            Impact::CleartextOnly => "cleartext_only",
            Impact::NoEvidence => "no_evidence",
            Impact::Unaffected => "unaffected",
        }
    }

    pub fn parse(s: &str) -> Option<Impact> {
        Impact::ALL.into_iter().find(|i| i.as_str() == s.trim())
    }

    /// The class's code in the partner table (its position in [`Impact::ALL`]).
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The class of a code; `None` for a code no class has.
    pub fn from_code(code: u8) -> Option<Impact> {
        Impact::ALL.get(usize::from(code)).copied()
    }

    /// Whether the change would hurt this partner's mail.
    pub fn at_risk(&self) -> bool {
        matches!(
            self,
            Impact::MailStops | Impact::FallsBackToCleartext | Impact::PartiallyAffected
        )
    }
}

impl std::fmt::Display for Impact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One (direction, partner) row: the unit of the CSV and of the check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerRow {
    pub direction: Direction,
    pub partner: String,
    pub impact: Impact,
    pub sessions: u64,
    pub messages: u64,
    #[serde(flatten)]
    pub outcomes: OutcomeCounts,
    pub weak_cipher: u64,
    /// Distinct remote IPs.
    pub hosts: u64,
    pub example_host: String,
    /// The first and last session's first row; written as ISO 8601 UTC.
    #[serde(with = "time_text")]
    pub first_seen: Option<Millis>,
    #[serde(with = "time_text")]
    pub last_seen: Option<Millis>,
    /// Mail domains, ciphers, affected hosts and fallback evidence.
    #[serde(flatten)]
    pub detail: Detail,
}

/// What a partner's row lists beyond its counts. An Edge's scanners have none of it, so
/// a row holds it behind one pointer, absent when empty: a million rows are then 128
/// bytes each smaller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PartnerDetail {
    /// Up to five, most frequent first.
    pub mail_domains: Vec<String>,
    /// Distinct `bulk/mac/kex`, sorted.
    pub ciphers: Vec<String>,
    /// Hosts whose TLS sessions the new minimum would refuse.
    pub affected_hosts: Vec<String>,
    /// What the partner did after its failed handshakes.
    #[serde(flatten)]
    pub retries: Retries,
    /// The evidence in words ([`Retries::sentence`] and why mail stops), empty without.
    pub evidence: String,
}

/// The nothing a row without detail lists, lent out by [`Detail::get`].
static NO_DETAIL: PartnerDetail = PartnerDetail {
    mail_domains: Vec::new(),
    ciphers: Vec::new(),
    affected_hosts: Vec::new(),
    retries: Retries {
        retried_in_cleartext: 0,
        retried_with_tls: 0,
        no_retry_seen: 0,
        dropped_handshakes: 0,
    },
    evidence: String::new(),
};

/// A row's [`PartnerDetail`], boxed when there is any; serialized as its fields either
/// way, so every row of the JSON has the same keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Detail(Option<Box<PartnerDetail>>);

impl Detail {
    pub fn get(&self) -> &PartnerDetail {
        self.0.as_deref().unwrap_or(&NO_DETAIL)
    }

    /// The detail to fill, made on first use.
    pub fn get_mut(&mut self) -> &mut PartnerDetail {
        self.0.get_or_insert_with(Box::default)
    }

    /// The detail, if the row has any.
    pub fn as_mut(&mut self) -> Option<&mut PartnerDetail> {
        self.0.as_deref_mut()
    }

    /// Frees the detail again if what was filled in came to nothing.
    pub fn drop_empty(&mut self) {
        if self.0.as_deref().is_some_and(|d| *d == NO_DETAIL) {
            self.0 = None;
        }
    }
}

impl From<PartnerDetail> for Detail {
    fn from(d: PartnerDetail) -> Detail {
        let mut detail = Detail(Some(Box::new(d)));
        detail.drop_empty();
        detail
    }
}

impl Serialize for Detail {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.get().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Detail {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Detail, D::Error> {
        PartnerDetail::deserialize(d).map(Detail::from)
    }
}

impl PartnerRow {
    /// A partner's row before anything is counted: the report fills it in place, so a
    /// million partners are held once, as their rows, not also as totals beside them.
    pub fn new(direction: Direction, partner: String) -> PartnerRow {
        PartnerRow {
            direction,
            partner,
            impact: Impact::NoEvidence,
            sessions: 0,
            messages: 0,
            outcomes: OutcomeCounts::default(),
            weak_cipher: 0,
            hosts: 0,
            example_host: String::new(),
            first_seen: None,
            last_seen: None,
            detail: Detail::default(),
        }
    }
}

/// What followed a partner's failed TLS handshakes: for each, the next session of the
/// same direction and partner (any of its hosts) that started within the retry window
/// after it ended. The first three partition its `tls_failed` sessions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Retries {
    /// The next session went on without TLS.
    pub retried_in_cleartext: u64,
    /// The next session tried TLS again (whatever became of it).
    pub retried_with_tls: u64,
    /// No session followed within the window.
    pub no_retry_seen: u64,
    /// Failed handshakes the remote ended by dropping the connection.
    pub dropped_handshakes: u64,
}

impl Retries {
    /// The failed handshakes whose sequel was looked for.
    pub fn failed(&self) -> u64 {
        self.retried_in_cleartext + self.retried_with_tls + self.no_retry_seen
    }

    /// The logs show that refused TLS stops this partner's mail: it never went on in
    /// cleartext after a failed handshake, and at least once it did not come back at all.
    pub fn no_fallback(&self) -> bool {
        self.retried_in_cleartext == 0 && self.no_retry_seen > 0
    }

    /// The evidence as one sentence a person can act on; empty without a failure.
    pub fn sentence(&self) -> String {
        let n = self.failed();
        let mut parts = Vec::new();
        if self.retried_in_cleartext > 0 {
            parts.push(format!(
                "retries in cleartext after a failed handshake ({} of {n})",
                self.retried_in_cleartext
            ));
        }
        if self.retried_with_tls > 0 {
            parts.push(format!(
                "retries with TLS after a failed handshake ({} of {n})",
                self.retried_with_tls
            ));
        }
        if self.no_retry_seen > 0 {
            parts.push(format!(
                "did not retry after {} of {n} failed handshakes",
                self.no_retry_seen
            ));
        }
        if self.dropped_handshakes > 0 {
            parts.push(format!(
                "remote dropped the connection during the handshake ({}): may not tolerate versions above TLS 1.0",
                self.dropped_handshakes
            ));
        }
        parts.join("; ")
    }
}

/// TLS outcomes of one of the organisation's own servers, from its own logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerRow {
    pub server: String,
    pub log: LogKind,
    pub sessions: u64,
    #[serde(flatten)]
    pub outcomes: OutcomeCounts,
    /// The newest version it negotiated; `None` without a TLS session of a logged version.
    pub highest: Option<Outcome>,
    /// Whether it negotiated a version the policy allows at least once; `None` without a
    /// TLS session of a logged version (nothing shows what it can do).
    pub ready: Option<bool>,
}

impl ServerRow {
    /// A server's row, its readiness judged under `min`: a server that negotiated TLS but
    /// never a version `min` allows needs its own update before the switch.
    pub fn new(server: String, log: LogKind, outcomes: OutcomeCounts, min: MinTls) -> ServerRow {
        // `Outcome::ALL` lists the newest version first.
        let highest = (outcomes.iter())
            .find(|(o, n)| *n > 0 && o.protocol().is_some())
            .map(|(o, _)| o);
        let ready = highest
            .and_then(Outcome::protocol)
            .and_then(|p| min.allows(&p));
        ServerRow {
            sessions: outcomes.total(),
            server,
            log,
            outcomes,
            highest,
            ready,
        }
    }

    /// Negotiated TLS, never at an allowed version.
    pub fn not_ready(&self) -> bool {
        self.ready == Some(false)
    }
}

/// A damaged row, located.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemRow {
    pub file: String,
    pub line: u64,
    pub byte: u64,
    pub problem: String,
}

/// The question the report answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub min_tls: MinTls,
    /// `--require-tls` domains, as given.
    pub require_tls: Vec<String>,
    /// `--disable-cipher`: sessions that used one are refused too. Left out of the JSON
    /// when none is given, so a report without it reads as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disable_cipher: Vec<DisabledCipher>,
    /// `--since` / `--until`: only sessions that started in these days count.
    #[serde(flatten)]
    pub range: DayRange,
    /// `--retry-window`: how long after a failed handshake a session counts as its retry.
    #[serde(with = "duration_text", default = "default_retry_window")]
    pub retry_window: Millis,
}

/// The default `--retry-window`: an hour, well past the seconds an opportunistic sender
/// takes to reconnect without TLS, and short of the next queue retry of one that gave up.
pub const DEFAULT_RETRY_WINDOW: Millis = 3_600_000;

fn default_retry_window() -> Millis {
    DEFAULT_RETRY_WINDOW
}

/// A time in JSON as the logs write it, `"2026-11-25T14:00:01.234Z"`, or `null`: kept as
/// a number in the report (a million partners would otherwise hold two million strings).
mod time_text {
    use crate::parse::time::{format_millis, timestamp, Millis};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<Millis>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(ms) => s.serialize_str(&format_millis(*ms)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Millis>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        match timestamp(text.as_bytes()) {
            Ok((&[], ms)) => Ok(Some(ms)),
            _ => Err(serde::de::Error::custom(format!("time {text:?}"))),
        }
    }
}

/// A duration in JSON as people write it: `"1h"`.
mod duration_text {
    use crate::parse::time::{format_duration, parse_duration, Millis};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(ms: &Millis, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_duration(*ms))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Millis, D::Error> {
        let text = String::deserialize(d)?;
        parse_duration(&text).ok_or_else(|| serde::de::Error::custom(format!("duration {text:?}")))
    }
}

impl Default for Policy {
    /// The default question: TLS 1.0 and older off, no domain requiring TLS.
    fn default() -> Policy {
        Policy {
            min_tls: MinTls::Tls11,
            require_tls: Vec::new(),
            disable_cipher: Vec::new(),
            range: DayRange::default(),
            retry_window: DEFAULT_RETRY_WINDOW,
        }
    }
}

impl Policy {
    /// What is switched off, as every output's question says it: `TLS below 1.2, RC4, 3DES`.
    pub fn switched_off(&self) -> String {
        let mut s = format!("TLS below {}", self.min_tls.as_str());
        for c in &self.disable_cipher {
            s.push_str(", ");
            s.push_str(c.as_str());
        }
        s
    }

    /// Why a session is refused, as the affected hosts' line says it: `below TLS 1.1`, or
    /// `below TLS 1.2 or with RC4, 3DES`.
    pub fn refused_as(&self) -> String {
        let mut s = format!("below TLS {}", self.min_tls.as_str());
        let names: Vec<&str> = self.disable_cipher.iter().map(|c| c.as_str()).collect();
        if !names.is_empty() {
            s.push_str(" or with ");
            s.push_str(&names.join(", "));
        }
        s
    }

    /// Whether a session negotiated at `protocol` with `cipher` would be refused: below
    /// the minimum version, or with a switched-off cipher.
    pub fn refuses(&self, protocol: &crate::tls::Protocol, cipher: &crate::tls::Cipher) -> bool {
        self.min_tls.allows(protocol) == Some(false)
            || DisabledCipher::any_matches(&self.disable_cipher, cipher)
    }
}

/// One partner's sessions on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerDayRow {
    pub day: NaiveDate,
    /// The partner's index in [`Report::partners`].
    pub row: usize,
    pub sessions: u64,
    pub outcomes: OutcomeCounts,
}

/// Everything a writer needs to print a run's answer.
#[derive(Debug, Clone)]
pub struct Report {
    pub policy: Policy,
    pub stats: Stats,
    /// Worst first, then busiest, then by direction and partner name.
    pub partners: Vec<PartnerRow>,
    pub servers: Vec<ServerRow>,
    pub problems: Vec<ProblemRow>,
    /// `path: message`, whole-file warnings and read errors.
    pub warnings: Vec<String>,
    /// Every day from the first session's to the last's, when the run kept days.
    pub days: Vec<DayRow>,
    /// Each partner's sessions per day, by day then in partner order.
    pub partner_days: Vec<PartnerDayRow>,
}

impl Report {
    /// The partners whose mail the change would hurt, in report order.
    pub fn at_risk(&self) -> impl Iterator<Item = &PartnerRow> {
        self.partners.iter().filter(|p| p.impact.at_risk())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(counts: &[(Outcome, u64)], min: MinTls) -> ServerRow {
        let mut outcomes = OutcomeCounts::default();
        for (o, n) in counts {
            outcomes[*o] = *n;
        }
        ServerRow::new("EX01".into(), LogKind::Send, outcomes, min)
    }

    #[test]
    fn server_readiness_by_its_highest_version() {
        let old = server(
            &[(Outcome::Tls10, 5), (Outcome::Cleartext, 2)],
            MinTls::Tls11,
        );
        assert_eq!(
            (old.highest, old.ready),
            (Some(Outcome::Tls10), Some(false))
        );
        assert!(old.not_ready());
        let mixed = server(&[(Outcome::Tls10, 5), (Outcome::Tls12, 1)], MinTls::Tls12);
        assert_eq!(
            (mixed.highest, mixed.ready),
            (Some(Outcome::Tls12), Some(true))
        );
        let strict = server(&[(Outcome::Tls12, 1)], MinTls::Tls13);
        assert_eq!(strict.ready, Some(false));
        // Cleartext, failures and unlogged versions show nothing of what it can do.
        let unknown = server(
            &[
                (Outcome::TlsUnknown, 3),
                (Outcome::TlsFailed, 1),
                (Outcome::Cleartext, 1),
            ],
            MinTls::Tls11,
        );
        assert_eq!((unknown.highest, unknown.ready), (None, None));
        assert!(!unknown.not_ready());
    }

    #[test]
    fn impact_names_and_codes_round_trip() {
        for i in Impact::ALL {
            assert_eq!(Impact::parse(i.as_str()), Some(i));
            assert_eq!(Impact::from_code(i.code()), Some(i));
        }
        assert_eq!(Impact::from_code(Impact::ALL.len() as u8), None);
        assert!(Impact::MailStops < Impact::Unaffected);
    }

    #[test]
    fn a_row_without_detail_has_every_key_and_no_box() {
        let row = PartnerRow::new(Direction::Inbound, "192.0.2.7".into());
        let json = serde_json::to_value(&row).unwrap_or_default();
        for key in [
            "mail_domains",
            "ciphers",
            "affected_hosts",
            "no_retry_seen",
            "evidence",
        ] {
            assert!(json.get(key).is_some(), "{key} missing from {json}");
        }
        let back: Option<PartnerRow> = serde_json::from_value(json).ok();
        assert_eq!(back, Some(row));
        // A million scanner rows: the detail is one pointer, and the row stays small.
        assert_eq!(std::mem::size_of::<Detail>(), 8);
        assert!(std::mem::size_of::<PartnerRow>() <= 216);
    }

    #[test]
    fn detail_filled_with_nothing_is_freed_and_filled_detail_round_trips() {
        let mut row = PartnerRow::new(Direction::Outbound, "example.com".into());
        row.detail.get_mut().evidence = String::new();
        row.detail.drop_empty();
        assert_eq!(row.detail, Detail::default());
        row.detail
            .get_mut()
            .ciphers
            .push("AES256/SHA384/ECDHE".into());
        row.detail.get_mut().retries.no_retry_seen = 2;
        let json = serde_json::to_string(&row).unwrap_or_default();
        let back: Option<PartnerRow> = serde_json::from_str(&json).ok();
        assert_eq!(
            back.map(|b| b.detail.get().clone()),
            Some(row.detail.get().clone())
        );
        assert_eq!(row.detail.get().retries.no_retry_seen, 2);
    }
}
