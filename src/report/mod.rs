//! The report: the partner table with each partner's impact, the run's totals, and the
//! writers that print it (terminal, CSV, JSON, Markdown) behind one trait.

pub mod csv;
pub mod escape;
pub mod frame;
pub mod json;
pub mod markdown;
pub mod terminal;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use crate::collect::{Partial, Peer, Stats};
use crate::input::LogFile;
use crate::parse::endpoint::Address;
use crate::partner::{self, Direction};
use crate::tls::{Cipher, MinTls, TlsOutcome};

/// What disabling old TLS does to a partner's mail, worst first.
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
    /// Every TLS session at an allowed version.
    Unaffected,
}

impl Impact {
    pub const ALL: [Impact; 7] = [
        Impact::MailStops,
        Impact::FallsBackToCleartext,
        Impact::PartiallyAffected,
        Impact::TlsFailing,
        Impact::Unknown,
        Impact::CleartextOnly,
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
            Impact::Unaffected => "unaffected",
        }
    }

    pub fn parse(s: &str) -> Option<Impact> {
        Impact::ALL.into_iter().find(|i| i.as_str() == s.trim())
    }

    /// Whether the change would hurt this partner's mail.
    pub fn at_risk(&self) -> bool {
        matches!(
            self,
            Impact::MailStops | Impact::FallsBackToCleartext | Impact::PartiallyAffected
        )
    }
}

/// Sessions per outcome column.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Versions {
    pub tls1_3: u64,
    pub tls1_2: u64,
    pub tls1_1: u64,
    pub tls1_0: u64,
    pub ssl3: u64,
    pub ssl2: u64,
    pub tls_unknown: u64,
    pub tls_failed: u64,
    pub cleartext: u64,
}

impl Versions {
    pub const COLUMNS: [&'static str; 9] = [
        "tls1_3",
        "tls1_2",
        "tls1_1",
        "tls1_0",
        "ssl3",
        "ssl2",
        "tls_unknown",
        "tls_failed",
        "cleartext",
    ];

    pub fn get(&self, column: &str) -> u64 {
        match column {
            "tls1_3" => self.tls1_3,
            "tls1_2" => self.tls1_2,
            "tls1_1" => self.tls1_1,
            "tls1_0" => self.tls1_0,
            "ssl3" => self.ssl3,
            "ssl2" => self.ssl2,
            "tls_unknown" => self.tls_unknown,
            "tls_failed" => self.tls_failed,
            "cleartext" => self.cleartext,
            _ => 0,
        }
    }

    pub fn slot(&mut self, column: &str) -> &mut u64 {
        match column {
            "tls1_3" => &mut self.tls1_3,
            "tls1_2" => &mut self.tls1_2,
            "tls1_1" => &mut self.tls1_1,
            "tls1_0" => &mut self.tls1_0,
            "ssl3" => &mut self.ssl3,
            "ssl2" => &mut self.ssl2,
            "tls_failed" => &mut self.tls_failed,
            "cleartext" => &mut self.cleartext,
            _ => &mut self.tls_unknown,
        }
    }

    /// `TLS 1.0 ×12, TLS 1.2 ×3` — the non-zero columns, newest first.
    pub fn summary(&self) -> String {
        let label = |c: &str| match c {
            "tls1_3" => "TLS 1.3",
            "tls1_2" => "TLS 1.2",
            "tls1_1" => "TLS 1.1",
            "tls1_0" => "TLS 1.0",
            "ssl3" => "SSL 3.0",
            "ssl2" => "SSL 2.0",
            "tls_unknown" => "TLS (version not logged)",
            "tls_failed" => "TLS failed",
            _ => "cleartext",
        };
        Self::COLUMNS
            .iter()
            .filter(|c| self.get(c) > 0)
            .map(|c| format!("{} ×{}", label(c), self.get(c)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One (direction, partner) row: the unit of the CSV and of the check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerRow {
    pub direction: String,
    pub partner: String,
    pub impact: Impact,
    pub sessions: u64,
    pub messages: u64,
    #[serde(flatten)]
    pub versions: Versions,
    pub weak_cipher: u64,
    /// Distinct remote IPs.
    pub hosts: u64,
    pub example_host: String,
    /// Up to five, most frequent first.
    pub mail_domains: Vec<String>,
    /// Distinct `bulk/mac/kex`, sorted.
    pub ciphers: Vec<String>,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// Hosts whose TLS sessions the new minimum would refuse.
    pub affected_hosts: Vec<String>,
}

/// TLS outcomes of one of the organisation's own servers, from its own logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerRow {
    pub server: String,
    pub log: String,
    pub sessions: u64,
    #[serde(flatten)]
    pub versions: Versions,
}

/// A damaged row, located.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemRow {
    pub file: String,
    pub line: u64,
    pub byte: u64,
    pub problem: String,
}

/// The policy the report answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub min_tls: String,
    pub require_tls: Vec<String>,
}

/// Everything a writer needs.
#[derive(Debug, Clone)]
pub struct Report {
    pub policy: Policy,
    pub min_tls: MinTls,
    pub stats: Stats,
    pub partners: Vec<PartnerRow>,
    pub servers: Vec<ServerRow>,
    pub problems: Vec<ProblemRow>,
    /// `path: message`, whole-file warnings and read errors.
    pub warnings: Vec<String>,
    /// The classes `check` fails on.
    pub fail_on: Vec<Impact>,
    /// The comparison with `--baseline`, when asked.
    pub diff: Option<crate::check::Diff>,
}

impl Report {
    pub fn at_risk(&self) -> impl Iterator<Item = &PartnerRow> {
        self.partners.iter().filter(|p| p.impact.at_risk())
    }

    /// Whether this partner is in one of the failing classes.
    pub fn fails(&self, p: &PartnerRow) -> bool {
        self.fail_on.contains(&p.impact)
    }

    pub fn fail_on_label(&self) -> String {
        self.fail_on
            .iter()
            .map(Impact::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// An output format.
pub trait Writer {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

/// Does `--require-tls DOMAIN` cover this name (the domain itself or a subdomain)?
pub fn covers(required: &str, name: &str) -> bool {
    let (r, n) = (required.trim_end_matches('.'), name.trim_end_matches('.'));
    n.eq_ignore_ascii_case(r)
        || (n.len() > r.len()
            && n[n.len() - r.len()..].eq_ignore_ascii_case(r)
            && n.as_bytes()[n.len() - r.len() - 1] == b'.')
}

/// What the report needs per (direction, partner) beyond counts, built from the
/// aggregates in one pass: names, domains, ciphers, affected hosts.
#[derive(Default)]
struct Extras<'p> {
    /// Borrowed from the partial: a large run has many names, copied only when reported.
    host_names: BTreeMap<&'p str, u64>,
    ips: BTreeMap<&'p Address, u64>,
    domains: BTreeMap<&'p str, u64>,
    ciphers: BTreeSet<&'p Cipher>,
    affected: BTreeSet<String>,
    required: bool,
}

/// The `n` keys with most sessions; the map's order breaks ties alphabetically.
fn most<K: AsRef<str> + Ord>(m: &BTreeMap<K, u64>, n: usize) -> Vec<String> {
    let mut v: Vec<_> = m.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    v.into_iter()
        .take(n)
        .map(|(k, _)| k.as_ref().to_string())
        .collect()
}

/// Each peer's direction and partner, resolved once (a peer has cells per outcome and
/// day, and a partner lookup walks the Public Suffix List).
fn resolve_peers(partial: &Partial) -> rustc_hash::FxHashMap<&Peer, (Direction, String)> {
    let own = &partial.local_addresses;
    let mut resolved: rustc_hash::FxHashMap<&Peer, (Direction, String)> = Default::default();
    for peer in partial
        .cells
        .keys()
        .map(|c| &c.peer)
        .chain(partial.domains.keys())
    {
        resolved.entry(peer).or_insert_with(|| {
            let direction = partner::direction(peer, own);
            (direction, partner::partner(peer, direction))
        });
    }
    resolved
}

/// The aggregate cells with direction and partner resolved, for Parquet.
pub fn aggregate_rows(partial: &Partial) -> frame::FlatRows {
    let resolved = resolve_peers(partial);
    let mut flat = frame::FlatRows::default();
    let mut cells: Vec<_> = partial.cells.iter().collect();
    cells.sort_by(|a, b| a.0.cmp(b.0));
    for (cell, counts) in cells {
        let (direction, name) = &resolved[&cell.peer];
        let ip = cell
            .peer
            .remote
            .as_ref()
            .map(|r| r.to_string())
            .unwrap_or_default();
        flat.push(*direction, name, &ip, cell, counts);
    }
    flat
}

/// Turns the merged, stitched aggregates into the report.
pub fn build(
    partial: &Partial,
    files: &[LogFile],
    min_tls: MinTls,
    require_tls: &[String],
) -> Result<Report, crate::Error> {
    let resolved = resolve_peers(partial);
    let mut extras: BTreeMap<(Direction, &str), Extras> = BTreeMap::new();
    for (cell, counts) in &partial.cells {
        let (direction, name) = &resolved[&cell.peer];
        let e = extras.entry((*direction, name.as_str())).or_default();
        if let Some(h) = &cell.peer.host {
            *e.host_names.entry(h).or_default() += counts.sessions;
        }
        if let TlsOutcome::Negotiated(p, c) = &cell.outcome {
            e.ciphers.insert(c);
            if min_tls.allows(p) == Some(false) {
                let who = match (&cell.peer.host, &cell.peer.remote) {
                    (Some(h), _) => h.to_string(),
                    (None, Some(r)) => r.to_string(),
                    (None, None) => String::new(),
                };
                e.affected.insert(who);
            }
        }
        if let Some(r) = &cell.peer.remote {
            *e.ips.entry(r).or_default() += counts.sessions;
        }
    }
    for (peer, ds) in &partial.domains {
        let (direction, name) = &resolved[peer];
        let e = extras.entry((*direction, name.as_str())).or_default();
        for (d, n) in ds {
            *e.domains.entry(d).or_default() += n;
        }
    }
    for ((_, name), e) in extras.iter_mut() {
        e.required = require_tls
            .iter()
            .any(|r| covers(r, name) || e.domains.keys().any(|d| covers(r, d)));
    }

    // Partner names as ids in name order, remote addresses as ids: the table is built
    // over numbers.
    let names: Vec<String> = extras
        .keys()
        .map(|(_, n)| *n)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(str::to_string)
        .collect();
    let name_id = |n: &str| names.binary_search_by(|x| x.as_str().cmp(n)).unwrap_or(0) as u32;
    let required: BTreeSet<(&'static str, u32)> = extras
        .iter()
        .filter(|(_, e)| e.required)
        .map(|((d, n), _)| (d.as_str(), name_id(n)))
        .collect();
    let mut remote_ids: rustc_hash::FxHashMap<&crate::parse::endpoint::Address, u32> =
        Default::default();
    let mut cells = frame::PartnerCells::default();
    for (cell, counts) in &partial.cells {
        let (direction, name) = &resolved[&cell.peer];
        let remote = cell.peer.remote.as_ref().map(|r| {
            let next = remote_ids.len() as u32;
            *remote_ids.entry(r).or_insert(next)
        });
        cells.push(*direction, name_id(name), remote, cell, counts);
    }

    let t = std::time::Instant::now();
    let mut partners = frame::partner_table(cells, &names, &required, min_tls)?;
    if std::env::var_os("SMTPTLS_TIMING").is_some() {
        eprintln!(
            "smtptls: timing: polars partner table {:.3}s",
            t.elapsed().as_secs_f64()
        );
    }
    for row in &mut partners {
        let Some(direction) = Direction::parse(&row.direction) else {
            continue;
        };
        let Some(e) = extras.get(&(direction, row.partner.as_str())) else {
            continue;
        };
        row.example_host = most(&e.host_names, 1)
            .into_iter()
            .next()
            .or_else(|| {
                // Addresses as text, so ties break as the names would.
                let ips: BTreeMap<String, u64> =
                    e.ips.iter().map(|(a, n)| (a.to_string(), *n)).collect();
                most(&ips, 1).into_iter().next()
            })
            .unwrap_or_default();
        row.mail_domains = most(&e.domains, 5);
        let mut ciphers: Vec<String> = e.ciphers.iter().map(|c| c.label()).collect();
        ciphers.sort();
        ciphers.dedup();
        row.ciphers = ciphers;
        if row.impact.at_risk() {
            row.affected_hosts = e.affected.iter().cloned().collect();
        }
    }

    // Our own servers, from their own logs; send logs name no server, so a local address
    // is named after the receive connector seen on it.
    let mut servers: BTreeMap<(String, String), Versions> = BTreeMap::new();
    for ((label, kind, column), n) in &partial.servers {
        let name = label
            .parse::<std::net::IpAddr>()
            .ok()
            .and_then(|ip| {
                partial
                    .server_names
                    .get(&crate::parse::endpoint::Address::Ip(ip))
            })
            .map_or_else(|| label.to_string(), |n| n.to_string());
        *servers
            .entry((name, kind.as_str().to_string()))
            .or_default()
            .slot(column) += n;
    }
    let servers = servers
        .into_iter()
        .map(|((server, log), versions)| ServerRow {
            sessions: Versions::COLUMNS.iter().map(|c| versions.get(c)).sum(),
            server,
            log,
            versions,
        })
        .collect();

    let problems = partial
        .problems_located()
        .into_iter()
        .take(crate::collect::PROBLEM_SAMPLES)
        .map(|p| ProblemRow {
            file: files
                .get(p.file as usize)
                .map(|f| f.label.clone())
                .unwrap_or_default(),
            line: p.line,
            byte: p.byte,
            problem: p.what,
        })
        .collect();
    let mut warnings: Vec<_> = partial.warnings.clone();
    warnings.sort();
    Ok(Report {
        policy: Policy {
            min_tls: min_tls.as_str().to_string(),
            require_tls: require_tls.to_vec(),
        },
        min_tls,
        stats: partial.stats.clone(),
        partners,
        servers,
        problems,
        warnings: warnings.into_iter().map(|(_, w)| w).collect(),
        fail_on: Impact::DEFAULT_FAIL_ON.to_vec(),
        diff: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_domain_and_subdomains_only() {
        assert!(covers("globex.co.uk", "globex.co.uk"));
        assert!(covers("globex.co.uk", "Mail.Globex.co.uk"));
        assert!(!covers("globex.co.uk", "notglobex.co.uk"));
        assert!(!covers("globex.co.uk", "co.uk"));
    }

    #[test]
    fn impact_names_round_trip() {
        for i in Impact::ALL {
            assert_eq!(Impact::parse(i.as_str()), Some(i));
        }
        assert!(Impact::MailStops < Impact::Unaffected);
    }
}
