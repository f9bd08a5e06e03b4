//! Building the report from the merged, stitched aggregate: each peer resolved to its
//! partner once, the cells folded into partner cells for the polars table
//! ([`super::frame`]), and the strings each partner row shows (host names, mail domains,
//! ciphers, affected hosts) from flat sorted lists rather than a map per partner.

use std::collections::BTreeMap;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::days::{self, DayCells, DayRange, PartnerDay};
use super::evidence;
use super::frame::{self, CellFlags, FlatRows, PartnerCells, PartnerTotals};
use super::model::{
    Impact, PartnerDayRow, PartnerRow, Policy, ProblemRow, Report, Retries, ServerRow,
};
use crate::collect::{
    Cell, Counts, Id, Interned, OwnServer, Partial, Peer, Tables, PROBLEM_SAMPLES,
};
use crate::error::Error;
use crate::input::LogFile;
use crate::outcome::{Outcome, OutcomeCounts};
use crate::parse::endpoint::Address;
use crate::parse::header::LogKind;
use crate::partner::{self, Direction};
use crate::timing;
use crate::tls::{Cipher, DisabledCipher, MinTls, TlsOutcome};

/// Does `--require-tls DOMAIN` cover this name (the domain itself or a subdomain)?
pub fn covers(required: &str, name: &str) -> bool {
    let (r, n) = (required.trim_end_matches('.'), name.trim_end_matches('.'));
    n.eq_ignore_ascii_case(r)
        || (n.len() > r.len()
            && n[n.len() - r.len()..].eq_ignore_ascii_case(r)
            && n.as_bytes()[n.len() - r.len() - 1] == b'.')
}

/// The partners, and which partner each peer belongs to.
struct Partners {
    /// (direction, partner name) in report order: by direction (in name order), then
    /// partner name.
    /// A partner's id is its index here.
    keys: Vec<(Direction, String)>,
    /// Each peer's partner id, by peer id.
    of_peer: Vec<u32>,
}

impl Partners {
    /// Each peer's direction and partner, resolved once (a peer has cells per outcome and
    /// day, and a partner lookup walks the Public Suffix List).
    fn resolve(peers: &Interned<Peer>, own: &FxHashSet<Address>) -> Partners {
        // In parallel: a partner lookup walks the Public Suffix List, and an Edge's
        // scanners make a million peers.
        let mut resolved: Vec<(Direction, String)> = ((0..peers.len()).into_par_iter())
            .map(|id| {
                let peer = &peers[id];
                let direction = partner::direction(peer, own);
                (direction, partner::partner(peer, direction))
            })
            .collect();
        // Peers in report order of their partners; each new key is the next partner id.
        let mut order: Vec<usize> = (0..resolved.len()).collect();
        order.par_sort_unstable_by(|&a, &b| resolved[a].cmp(&resolved[b]));
        let mut keys: Vec<(Direction, String)> = Vec::new();
        let mut of_peer = vec![0; resolved.len()];
        for peer in order {
            if keys.last() != Some(&resolved[peer]) {
                let (direction, name) = &mut resolved[peer];
                keys.push((*direction, std::mem::take(name)));
            }
            of_peer[peer] = (keys.len() - 1) as u32;
        }
        Partners { keys, of_peer }
    }

    fn of(&self, peer: Id) -> usize {
        self.of_peer[peer as usize] as usize
    }
}

/// What a partner row shows beyond counts.
#[derive(Default)]
struct Extras<'p> {
    example_host: String,
    mail_domains: Vec<&'p str>,
    ciphers: Vec<&'p Cipher>,
    affected: Vec<String>,
    /// Covered by `--require-tls` (its name or one of its mail domains).
    required: bool,
    /// Its send sessions required TLS (a RequireTLS override).
    connector_required: bool,
    retries: Retries,
}

impl Extras<'_> {
    /// What the partner's class rests on beyond its versions: why its mail stops, then
    /// what its failed handshakes showed.
    fn evidence(&self, t: &PartnerTotals) -> String {
        let mut parts = Vec::new();
        if t.impact == Impact::MailStops {
            if self.required {
                parts.push("TLS required by --require-tls".to_string());
            }
            if self.connector_required {
                parts.push("its send sessions required TLS (RequireTLS)".to_string());
            }
            if t.auth_refused > 0 {
                let n = t.auth_refused;
                parts.push(format!(
                    "{n} authenticated sessions would be refused (AUTH needs TLS)"
                ));
            }
        }
        parts.push(self.retries.sentence());
        parts.retain(|p| !p.is_empty());
        parts.join("; ")
    }
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

/// The aggregate cells of the days in `range` with direction and partner resolved, for
/// Parquet, in the order of their names (ids depend on the order the files were read in).
pub fn aggregate_rows(partial: &Partial, range: &DayRange) -> FlatRows {
    let partners = Partners::resolve(partial.peers(), partial.local_addresses());
    let mut flat = FlatRows::default();
    for cell in partial.named_cells() {
        if !range.contains(cell.day) {
            continue;
        }
        let (direction, name) = &partners.keys[partners.of(cell.peer_id)];
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
pub fn build(mut partial: Partial, files: &[LogFile], policy: &Policy) -> Result<Report, Error> {
    let Tables {
        peers,
        cells: mut table,
        domains: pairs,
        attempts,
    } = partial.take_tables();
    let mut stats = partial.stats().clone();
    // `--since`/`--until` drop the cells outside the range before anything counts them;
    // the run's sessions are then the sessions in the range.
    let range = policy.range;
    if range.is_bounded() {
        table.retain(|cell, _| range.contains(cell.day));
        stats.sessions = table.values().map(|c| c.sessions).sum();
    }
    let partial = &partial;
    let mut partners = timing::timed("partners resolved", || {
        Partners::resolve(&peers, partial.local_addresses())
    });
    let retries = timing::timed("fallback evidence", || {
        let partner_of = |peer: Id| partners.of_peer[peer as usize];
        let n = partners.keys.len();
        evidence::retries(attempts, partner_of, n, policy.retry_window, &range)
    });
    let mut extras: Vec<Extras> = (retries.into_iter())
        .map(|retries| Extras {
            retries,
            ..Extras::default()
        })
        .collect();
    mail_domains(partial, &partners, pairs, &policy.require_tls, &mut extras);
    let (cells, facts, dated) = timing::timed("partner cells", || {
        partner_cells(partial, &peers, &partners, table, policy, &mut extras)
    });
    timing::timed("host names", || {
        host_names(&peers, &partners, &facts, &mut extras)
    });
    drop((peers, facts));
    // The aggregate's tables are freed on this thread; polars allocates on its own.
    crate::memory::release_free();
    let totals = timing::timed("polars partner table", || {
        frame::partner_table(cells, policy.min_tls)
    })?;
    let (days, by_partner) = timing::timed("polars day table", || days::day_tables(dated))?;
    let partner_days = partner_day_rows(&totals, by_partner);
    Ok(Report {
        policy: policy.clone(),
        stats,
        partners: timing::timed("partner rows", || {
            partner_rows(totals, &mut partners, extras)
        }),
        servers: server_rows(partial, policy.min_tls),
        problems: problem_rows(partial, files),
        warnings: partial.warnings(),
        days,
        partner_days,
    })
}

/// The partners' days with each partner as its row in the report, by day then in report
/// order.
fn partner_day_rows(totals: &[PartnerTotals], by_partner: Vec<PartnerDay>) -> Vec<PartnerDayRow> {
    let mut row_of = FxHashMap::default();
    for (row, t) in totals.iter().enumerate() {
        row_of.insert(t.partner, row);
    }
    let mut rows: Vec<PartnerDayRow> = (by_partner.into_iter())
        .filter_map(|p| {
            Some(PartnerDayRow {
                day: p.day,
                row: *row_of.get(&p.partner)?,
                sessions: p.sessions,
                outcomes: p.outcomes,
            })
        })
        .collect();
    rows.sort_unstable_by_key(|r| (r.day, r.row));
    rows
}

/// Each partner's five busiest mail domains, and whether one of them is TLS-required
/// (as is a partner whose own name is).
fn mail_domains<'p>(
    partial: &'p Partial,
    partners: &Partners,
    pairs: FxHashMap<(Id, Id), u64>,
    require_tls: &[String],
    extras: &mut [Extras<'p>],
) {
    let domain_required: Vec<bool> = (partial.domain_names().iter())
        .map(|d| require_tls.iter().any(|r| covers(r, d)))
        .collect();
    let mut domains = Vec::with_capacity(pairs.len());
    for ((peer, domain), n) in pairs {
        let partner = partners.of(peer);
        extras[partner].required |= domain_required[domain as usize];
        domains.push((partner as u32, partial.domain(domain), n));
    }
    most_per_group(domains, 5, |p, d| extras[p as usize].mail_domains.push(d));
    for ((_, name), e) in partners.keys.iter().zip(extras) {
        e.required |= require_tls.iter().any(|r| covers(r, name));
    }
}

/// Per peer, what the cells said of it.
struct PeerFacts {
    sessions: Vec<u64>,
    /// Negotiated a version or a cipher the policy refuses.
    affected: Vec<bool>,
}

/// The cells as partner cells for the table (remote addresses as ids: the table is
/// built over numbers), the dated cells for the day tables, each partner's ciphers, and
/// per peer its sessions and whether a refused session was seen.
fn partner_cells<'p>(
    partial: &'p Partial,
    peers: &Interned<Peer>,
    partners: &Partners,
    table: FxHashMap<Cell, Counts>,
    policy: &Policy,
    extras: &mut [Extras<'p>],
) -> (PartnerCells, PeerFacts, DayCells) {
    // The cells in partner order: the table's group-by then takes each partner's cells
    // as one slice instead of hashing a million keys.
    let mut table: Vec<(Cell, Counts)> = table.into_iter().collect();
    table.sort_unstable_by_key(|(c, _)| (partners.of(c.peer), c.peer, c.outcome, c.day));
    let mut dated = DayCells::default();
    let mut remote_ids: FxHashMap<_, u32> = FxHashMap::default();
    let mut cells = PartnerCells::default();
    let mut facts = PeerFacts {
        sessions: vec![0; peers.len()],
        affected: vec![false; peers.len()],
    };
    for (cell, counts) in table {
        let (peer, partner) = (cell.peer as usize, partners.of(cell.peer));
        let outcome = partial.outcome(cell.outcome);
        facts.sessions[peer] += counts.sessions;
        let (mut refused, mut cipher_refused) = (false, false);
        if let TlsOutcome::Negotiated(p, c) = outcome {
            if !extras[partner].ciphers.contains(&c) {
                extras[partner].ciphers.push(c);
            }
            refused = policy.refuses(p, c);
            cipher_refused = DisabledCipher::any_matches(&policy.disable_cipher, c);
            facts.affected[peer] |= refused;
        }
        if let Some(day) = cell.day {
            let who = (partners.keys[partner].0, partner as u32);
            dated.push(day, who, Outcome::of(outcome), counts.sessions, refused);
        }
        let remote = peers[peer].remote.as_ref().map(|r| {
            let next = remote_ids.len() as u32;
            *remote_ids.entry(r).or_insert(next)
        });
        let signs = peers[peer].signs;
        extras[partner].connector_required |= signs.requires_tls;
        // Required either by `--require-tls` or by the send session itself (a RequireTLS
        // override): refused, such mail queues.
        let flags = CellFlags {
            required: extras[partner].required || signs.requires_tls,
            no_fallback: extras[partner].retries.no_fallback(),
            authenticated: signs.authenticated,
            cipher_refused,
        };
        cells.push(partner as u32, remote, outcome, &counts, flags);
    }
    (cells, facts, dated)
}

/// Per partner: its busiest host name (else address), and the hosts that would be
/// refused.
fn host_names(
    peers: &Interned<Peer>,
    partners: &Partners,
    facts: &PeerFacts,
    extras: &mut [Extras],
) {
    let mut hosts = Vec::new();
    for (id, peer) in peers.iter().enumerate() {
        let partner = partners.of(id as Id);
        if let Some(h) = &peer.host {
            hosts.push((partner as u32, &**h, facts.sessions[id]));
        }
        if facts.affected[id] {
            let who = match (&peer.host, &peer.remote) {
                (Some(h), _) => h.to_string(),
                (None, Some(r)) => r.to_string(),
                (None, None) => String::new(),
            };
            extras[partner].affected.push(who);
        }
    }
    most_per_group(hosts, 1, |p, h| {
        extras[p as usize].example_host = h.to_string()
    });
    // Partners without a host name are shown by their busiest address, as text so that
    // ties break as the names would.
    let ips: Vec<_> = (peers.iter().enumerate())
        .filter(|(id, _)| extras[partners.of(*id as Id)].example_host.is_empty())
        .filter_map(|(id, peer)| {
            let r = peer.remote.as_ref()?;
            Some((
                partners.of(id as Id) as u32,
                r.to_string(),
                facts.sessions[id],
            ))
        })
        .collect();
    most_per_group(ips, 1, |p, ip| extras[p as usize].example_host = ip);
    for e in extras {
        e.affected.sort_unstable();
        e.affected.dedup();
    }
}

/// The partner table's totals with each partner's names and strings attached.
fn partner_rows(
    totals: Vec<PartnerTotals>,
    partners: &mut Partners,
    extras: Vec<Extras>,
) -> Vec<PartnerRow> {
    let mut extras = extras;
    (totals.into_iter())
        .map(|t| {
            // Each partner has one row: its name and extras are moved into it.
            let (direction, name) = &mut partners.keys[t.partner as usize];
            let e = std::mem::take(&mut extras[t.partner as usize]);
            let mut ciphers: Vec<String> = e.ciphers.iter().map(|c| c.label()).collect();
            ciphers.sort();
            ciphers.dedup();
            let evidence = e.evidence(&t);
            PartnerRow {
                direction: *direction,
                partner: std::mem::take(name),
                impact: t.impact,
                sessions: t.sessions,
                messages: t.messages,
                outcomes: t.outcomes,
                weak_cipher: t.weak_cipher,
                hosts: t.hosts,
                example_host: e.example_host,
                mail_domains: e.mail_domains.iter().map(|d| d.to_string()).collect(),
                ciphers,
                first_seen: t.first,
                last_seen: t.last,
                affected_hosts: if t.impact.at_risk() {
                    e.affected
                } else {
                    Vec::new()
                },
                evidence,
                retries: e.retries,
            }
        })
        .collect()
}

/// Our own servers, from their own logs; send logs name no server, so a local address
/// is named after the receive connector seen on it.
fn server_rows(partial: &Partial, min: MinTls) -> Vec<ServerRow> {
    let mut servers: BTreeMap<(String, LogKind), OutcomeCounts> = BTreeMap::new();
    for ((server, kind, outcome), n) in partial.servers() {
        let name = match server {
            OwnServer::Named(name) => name.to_string(),
            OwnServer::Address(addr) => (partial.server_name(addr))
                .map_or_else(|| addr.to_string(), |name| name.to_string()),
            OwnServer::Unknown => "?".to_string(),
        };
        servers.entry((name, *kind)).or_default()[*outcome] += n;
    }
    (servers.into_iter())
        .map(|((server, log), outcomes)| ServerRow::new(server, log, outcomes, min))
        .collect()
}

/// The first damaged rows, located by file and line.
fn problem_rows(partial: &Partial, files: &[LogFile]) -> Vec<ProblemRow> {
    (partial.problems_located().into_iter())
        .take(PROBLEM_SAMPLES)
        .map(|p| ProblemRow {
            file: files
                .get(p.file as usize)
                .map(|f| f.label.clone())
                .unwrap_or_default(),
            line: p.line,
            byte: p.byte,
            problem: p.what,
        })
        .collect()
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
}
