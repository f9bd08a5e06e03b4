//! The report: the partner table with each partner's impact, the run's totals, and the
//! writers that print it (terminal, CSV, JSON, Markdown) behind one trait.

pub mod csv;
pub mod escape;
pub mod frame;
pub mod json;
pub mod markdown;
pub mod terminal;

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use crate::collect::{OwnServer, Partial, Stats};
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

/// What the report needs per (direction, partner) beyond counts: names, domains,
/// ciphers, affected hosts.
#[derive(Default)]
struct Extras<'p> {
    example_host: String,
    mail_domains: Vec<&'p str>,
    ciphers: Vec<&'p Cipher>,
    affected: Vec<String>,
    required: bool,
}

/// Sums `(group, key, sessions)` per group and key, then calls `keep` with each group's
/// first `n` keys, most sessions first and ties in key order. One flat list sorted twice
/// rather than a map per group: a large run has tens of thousands of partners and a
/// hundred thousand (partner, mail domain) pairs.
fn most_per_group<K: Ord + Clone>(
    mut items: Vec<(u32, K, u64)>,
    n: usize,
    mut keep: impl FnMut(u32, K),
) {
    items.sort_unstable_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    items.dedup_by(|later, first| {
        let same = later.0 == first.0 && later.1 == first.1;
        if same {
            first.2 += later.2;
        }
        same
    });
    items.sort_unstable_by(|a, b| (a.0, b.2, &a.1).cmp(&(b.0, a.2, &b.1)));
    let mut kept = (u32::MAX, 0);
    for (group, key, _) in items {
        if kept.0 != group {
            kept = (group, 0);
        }
        if kept.1 < n {
            kept.1 += 1;
            keep(group, key);
        }
    }
}

/// Each peer's direction and partner by peer id, resolved once (a peer has cells per
/// outcome and day, and a partner lookup walks the Public Suffix List).
fn resolve_peers(partial: &Partial) -> Vec<(Direction, String)> {
    let own = &partial.local_addresses;
    (partial.peers.iter())
        .map(|peer| {
            let direction = partner::direction(peer, own);
            (direction, partner::partner(peer, direction))
        })
        .collect()
}

/// The aggregate cells with direction and partner resolved, for Parquet, in the order of
/// their names (ids depend on the order the files were read in).
pub fn aggregate_rows(partial: &Partial) -> frame::FlatRows {
    let resolved = resolve_peers(partial);
    let mut flat = frame::FlatRows::default();
    for cell in partial.named_cells() {
        let (direction, name) = &resolved[cell.peer_id as usize];
        let ip = (cell.peer.remote.as_ref())
            .map(|r| r.to_string())
            .unwrap_or_default();
        flat.push(*direction, name, &ip, &cell);
    }
    flat
}

/// Turns the merged, stitched aggregates into the report. Takes the partial so that its
/// tables are freed as soon as they are folded into the partner cells, before the polars
/// stage: the report's peak memory is then not the aggregate *and* the table.
pub fn build(
    mut partial: Partial,
    files: &[LogFile],
    min_tls: MinTls,
    require_tls: &[String],
) -> Result<Report, crate::Error> {
    let table = std::mem::take(&mut partial.cells);
    let pairs = std::mem::take(&mut partial.domains);
    let partial = &partial;
    let resolved = resolve_peers(partial);
    // Partners in (direction, name) order, and each peer's partner by index.
    let mut keys: Vec<(Direction, &str)> =
        (resolved.iter()).map(|(d, n)| (*d, n.as_str())).collect();
    keys.sort_unstable();
    keys.dedup();
    let partner_of: Vec<u32> = (resolved.iter())
        .map(|(d, n)| keys.binary_search(&(*d, n.as_str())).unwrap_or(0) as u32)
        .collect();
    let mut extras: Vec<Extras> = (0..keys.len()).map(|_| Extras::default()).collect();

    // Mail domains: the five busiest per partner, and whether one is TLS-required.
    let domain_required: Vec<bool> = (partial.domain_names.iter())
        .map(|d| require_tls.iter().any(|r| covers(r, d)))
        .collect();
    let mut domains = Vec::with_capacity(pairs.len());
    for ((peer, domain), n) in pairs {
        let partner = partner_of[peer as usize];
        extras[partner as usize].required |= domain_required[domain as usize];
        domains.push((partner, partial.domain(domain), n));
    }
    most_per_group(domains, 5, |p, d| extras[p as usize].mail_domains.push(d));
    for ((_, name), e) in keys.iter().zip(&mut extras) {
        e.required |= require_tls.iter().any(|r| covers(r, name));
    }

    // The cells: partner cells for the table (partner names as ids in name order, remote
    // addresses as ids: the table is built over numbers), and per peer its sessions and
    // whether an old protocol was seen.
    let mut names: Vec<&str> = keys.iter().map(|(_, n)| *n).collect();
    names.sort_unstable();
    names.dedup();
    let name_id = |n: &str| names.binary_search(&n).unwrap_or(0) as u32;
    let mut remote_ids: rustc_hash::FxHashMap<&Address, u32> = Default::default();
    let mut cells = frame::PartnerCells::default();
    let mut peer_sessions = vec![0u64; partial.peers.len()];
    let mut peer_affected = vec![false; partial.peers.len()];
    for (cell, counts) in table {
        let peer = cell.peer as usize;
        let partner = partner_of[peer] as usize;
        let outcome = partial.outcome(cell.outcome);
        peer_sessions[peer] += counts.sessions;
        if let TlsOutcome::Negotiated(p, c) = outcome {
            if !extras[partner].ciphers.contains(&c) {
                extras[partner].ciphers.push(c);
            }
            if min_tls.allows(p) == Some(false) {
                peer_affected[peer] = true;
            }
        }
        let remote = partial.peer(cell.peer).remote.as_ref().map(|r| {
            let next = remote_ids.len() as u32;
            *remote_ids.entry(r).or_insert(next)
        });
        let (direction, name) = &resolved[peer];
        let required = extras[partner].required;
        cells.push(
            *direction,
            name_id(name),
            remote,
            outcome,
            &counts,
            required,
        );
    }
    drop(remote_ids);

    // Per partner: its busiest host name (else address), and the hosts that would be
    // refused.
    let mut hosts = Vec::new();
    for (id, peer) in partial.peers.iter().enumerate() {
        let partner = partner_of[id];
        if let Some(h) = &peer.host {
            hosts.push((partner, &**h, peer_sessions[id]));
        }
        if peer_affected[id] {
            let who = match (&peer.host, &peer.remote) {
                (Some(h), _) => h.to_string(),
                (None, Some(r)) => r.to_string(),
                (None, None) => String::new(),
            };
            extras[partner as usize].affected.push(who);
        }
    }
    most_per_group(hosts, 1, |p, h| {
        extras[p as usize].example_host = h.to_string()
    });
    // Partners without a host name are shown by their busiest address, as text so that
    // ties break as the names would.
    let ips: Vec<_> = (partial.peers.iter().enumerate())
        .filter(|(id, _)| extras[partner_of[*id] as usize].example_host.is_empty())
        .filter_map(|(id, peer)| {
            let r = peer.remote.as_ref()?;
            Some((partner_of[id], r.to_string(), peer_sessions[id]))
        })
        .collect();
    most_per_group(ips, 1, |p, ip| extras[p as usize].example_host = ip);
    for e in &mut extras {
        e.affected.sort_unstable();
        e.affected.dedup();
    }

    // The aggregate's tables are freed on this thread; polars allocates on its own.
    crate::memory::release_free();
    let t = std::time::Instant::now();
    let mut partners = frame::partner_table(cells, &names, min_tls)?;
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
        let Ok(i) = keys.binary_search(&(direction, row.partner.as_str())) else {
            continue;
        };
        let e = &mut extras[i];
        row.example_host = std::mem::take(&mut e.example_host);
        row.mail_domains = e.mail_domains.iter().map(|d| d.to_string()).collect();
        let mut ciphers: Vec<String> = e.ciphers.iter().map(|c| c.label()).collect();
        ciphers.sort();
        ciphers.dedup();
        row.ciphers = ciphers;
        if row.impact.at_risk() {
            row.affected_hosts = std::mem::take(&mut e.affected);
        }
    }

    // Our own servers, from their own logs; send logs name no server, so a local address
    // is named after the receive connector seen on it.
    let mut servers: BTreeMap<(String, String), Versions> = BTreeMap::new();
    for ((server, kind, column), n) in &partial.servers {
        let name = match server {
            OwnServer::Named(name) => name.to_string(),
            OwnServer::Address(addr) => (partial.server_names.get(addr))
                .map_or_else(|| addr.to_string(), |name| name.to_string()),
            OwnServer::Unknown => "?".to_string(),
        };
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
    fn most_per_group_sums_then_keeps_the_busiest() {
        let items = vec![
            (1, "b", 2),
            (0, "x", 1),
            (1, "a", 1),
            (1, "c", 3),
            (1, "a", 2), // a: 3 in all, ties with c and sorts first
            (0, "y", 1),
            (2, "z", 0),
        ];
        let mut kept = Vec::new();
        most_per_group(items, 2, |g, k| kept.push((g, k)));
        assert_eq!(kept, [(0, "x"), (0, "y"), (1, "a"), (1, "c"), (2, "z")]);
    }

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
