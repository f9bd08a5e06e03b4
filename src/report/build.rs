//! Building the report from the merged, stitched aggregate: each peer resolved to its
//! partner once, the cells folded into partner cells for the polars table
//! ([`super::frame`]), and the strings each partner row shows (host names, mail domains,
//! ciphers, affected hosts) from flat sorted lists rather than a map per partner.

use std::collections::BTreeMap;
use std::net::IpAddr;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::days::{self, DayCells, DayRange, PartnerDay};
use super::evidence;
use super::frame::{self, CellFlags, FlatRows, PartnerCells, TableOrder};
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
use crate::session::Signs;
use crate::timing;
use crate::tls::{DisabledCipher, MinTls, TlsOutcome};

/// Does `--require-tls DOMAIN` cover this name (the domain itself or a subdomain)?
pub fn covers(required: &str, name: &str) -> bool {
    let (r, n) = (required.trim_end_matches('.'), name.trim_end_matches('.'));
    n.eq_ignore_ascii_case(r)
        || (n.len() > r.len()
            && n[n.len() - r.len()..].eq_ignore_ascii_case(r)
            && n.as_bytes()[n.len() - r.len() - 1] == b'.')
}

/// A partner's key: its direction and name. A partner's id is its index in the list of
/// keys, which is in report order: by direction (in name order), then partner name.
type PartnerKey = (Direction, String);

/// Sessions per (peer, mail domain).
type PeerDomains = FxHashMap<(Id, Id), u64>;

/// Which partner each peer belongs to.
struct Partners {
    /// Each peer's partner id, by peer id.
    of_peer: Vec<u32>,
}

impl Partners {
    /// Each peer's direction and partner, resolved once (a peer has cells per outcome and
    /// day, and a partner lookup walks the Public Suffix List): the partners' keys, by
    /// id, and each peer's partner.
    fn resolve(peers: &Interned<Peer>, own: &FxHashSet<Address>) -> (Vec<PartnerKey>, Partners) {
        // In parallel: a partner lookup walks the Public Suffix List, and an Edge's
        // scanners make a million peers.
        let mut resolved: Vec<PartnerKey> = ((0..peers.len()).into_par_iter())
            .map(|id| {
                let peer = &peers[id];
                let direction = partner::direction(peer, own);
                (direction, partner::partner(peer, direction))
            })
            .collect();
        // Peers in report order of their partners; each new key is the next partner id.
        // Sorted on a copy of each name's first bytes, so that most comparisons of a
        // million names are of integers beside each other, not of strings elsewhere.
        let mut order: Vec<(Direction, u128, u32)> = (resolved.iter().enumerate())
            .map(|(peer, (direction, name))| (*direction, name_prefix(name), peer as u32))
            .collect();
        order.par_sort_unstable_by(|a, b| {
            ((a.0, a.1).cmp(&(b.0, b.1)))
                .then_with(|| resolved[a.2 as usize].1.cmp(&resolved[b.2 as usize].1))
        });
        let mut keys: Vec<PartnerKey> = Vec::new();
        let mut of_peer = vec![0; resolved.len()];
        for peer in order.into_iter().map(|(_, _, peer)| peer as usize) {
            if keys.last() != Some(&resolved[peer]) {
                let (direction, name) = &mut resolved[peer];
                keys.push((*direction, std::mem::take(name)));
            }
            of_peer[peer] = (keys.len() - 1) as u32;
        }
        (keys, Partners { of_peer })
    }

    fn of(&self, peer: Id) -> usize {
        self.of_peer[peer as usize] as usize
    }
}

/// What a partner's row is built from beyond what the row itself holds.
#[derive(Default)]
struct Marks {
    /// Covered by `--require-tls` (its name or one of its mail domains).
    required: bool,
    /// Its send sessions required TLS (a RequireTLS override).
    connector_required: bool,
}

impl Marks {
    /// What the partner's class rests on beyond its versions: why its mail stops, then
    /// what its failed handshakes showed.
    fn evidence(&self, row: &PartnerRow, auth_refused: u64) -> String {
        let mut parts = Vec::new();
        if row.impact == Impact::MailStops {
            if self.required {
                parts.push("TLS required by --require-tls".to_string());
            }
            if self.connector_required {
                parts.push("its send sessions required TLS (RequireTLS)".to_string());
            }
            if auth_refused > 0 {
                let n = auth_refused;
                parts.push(format!(
                    "{n} authenticated sessions would be refused (AUTH needs TLS)"
                ));
            }
        }
        parts.push(row.detail.get().retries.sentence());
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
    let (keys, partners) = Partners::resolve(partial.peers(), partial.local_addresses());
    let mut flat = FlatRows::default();
    for cell in partial.named_cells() {
        if !range.contains(cell.day) {
            continue;
        }
        let (direction, name) = &keys[partners.of(cell.peer_id)];
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
    let (keys, partners) = timing::timed("partners resolved", || {
        Partners::resolve(&peers, partial.local_addresses())
    });
    let retries = timing::timed("fallback evidence", || {
        let partner_of = |peer: Id| partners.of_peer[peer as usize];
        evidence::retries(
            attempts,
            partner_of,
            keys.len(),
            policy.retry_window,
            &range,
        )
    });
    // The cells leave their hash table before the rows exist: a million scanners' cells
    // and rows are never held twice over.
    let table = timing::timed("cells in partner order", || {
        in_partner_order(table, &partners)
    });
    let (mut rows, marks, cells, dated) = rows_and_cells(
        partial,
        (peers, table, pairs),
        &partners,
        (keys, retries),
        policy,
    );
    // The aggregate's tables are freed on this thread; polars allocates on its own.
    crate::memory::release_free();
    let order = timing::timed("polars partner table", || {
        frame::partner_table(cells, policy.min_tls, &mut rows)
    })?;
    let (days, by_partner) = timing::timed("polars day table", || days::day_tables(dated))?;
    crate::memory::release_free(); // what polars freed on its threads
    let partner_days = partner_day_rows(&order.partners, by_partner);
    Ok(Report {
        policy: policy.clone(),
        stats,
        partners: timing::timed("partner rows", || finish_rows(rows, marks, &order)),
        servers: server_rows(partial, policy.min_tls),
        problems: problem_rows(partial, files),
        warnings: partial.warnings(),
        days,
        partner_days,
    })
}

/// The partners' rows, made once their peers are freed, filled in with what their
/// peers, mail domains and cells show; and the cells as the partner table's input.
fn rows_and_cells(
    partial: &Partial,
    (peers, table, pairs): (Interned<Peer>, Vec<(Cell, Counts)>, PeerDomains),
    partners: &Partners,
    (keys, retries): (Vec<PartnerKey>, Vec<Retries>),
    policy: &Policy,
) -> (Vec<PartnerRow>, Vec<Marks>, PartnerCells, DayCells) {
    let facts = PeerFacts::of(partial, &peers, &table, policy);
    let hosts = timing::timed("host names", || {
        host_names(&peers, partners, &facts, keys.len())
    });
    // The peers are done with before the rows and the partner cells are made: a million
    // of them are not held beside a million rows and cells.
    drop(peers);
    crate::memory::release_free();
    let mut rows = new_rows(keys, retries, hosts);
    let mut marks: Vec<Marks> = (0..rows.len()).map(|_| Marks::default()).collect();
    mail_domains(partial, partners, pairs, policy, &mut rows, &mut marks);
    let (cells, dated) = timing::timed("partner cells", || {
        let partner = (&mut rows[..], &mut marks[..]);
        partner_cells(partial, &facts, partners, table, policy, partner)
    });
    (rows, marks, cells, dated)
}

/// Each partner's row, with its name, example host and fallback evidence moved in, to be
/// filled.
fn new_rows(keys: Vec<PartnerKey>, retries: Vec<Retries>, hosts: HostNames) -> Vec<PartnerRow> {
    // The lists given back as they are read: a million rows are not built beside them.
    let mut rows: Vec<PartnerRow> = (Freeing::new(keys).zip(Freeing::new(retries)))
        .zip(Freeing::new(hosts.example))
        .map(|(((direction, name), retries), example)| {
            let mut row = PartnerRow::new(direction, name);
            row.example_host = example;
            if retries != Retries::default() {
                row.detail.get_mut().retries = retries;
            }
            row
        })
        .collect();
    for (p, host) in hosts.affected {
        if let Some(row) = rows.get_mut(p as usize) {
            row.detail.get_mut().affected_hosts.push(host);
        }
    }
    rows
}

/// The partners' days with each partner as its row in the report, by day then in report
/// order.
fn partner_day_rows(order: &[u32], by_partner: Vec<PartnerDay>) -> Vec<PartnerDayRow> {
    let mut row_of = FxHashMap::default();
    for (row, partner) in order.iter().enumerate() {
        row_of.insert(*partner, row);
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
fn mail_domains(
    partial: &Partial,
    partners: &Partners,
    pairs: PeerDomains,
    policy: &Policy,
    rows: &mut [PartnerRow],
    marks: &mut [Marks],
) {
    let require_tls = &policy.require_tls;
    let domain_required: Vec<bool> = (partial.domain_names().iter())
        .map(|d| require_tls.iter().any(|r| covers(r, d)))
        .collect();
    let mut domains = Vec::with_capacity(pairs.len());
    for ((peer, domain), n) in pairs {
        let partner = partners.of(peer);
        marks[partner].required |= domain_required[domain as usize];
        domains.push((partner as u32, partial.domain(domain), n));
    }
    most_per_group(domains, 5, |p, d| {
        rows[p as usize]
            .detail
            .get_mut()
            .mail_domains
            .push(d.to_string())
    });
    for (row, mark) in rows.iter().zip(marks) {
        mark.required |= require_tls.iter().any(|r| covers(r, &row.partner));
    }
}

/// The cells in partner order: the table's group-by then takes each partner's cells as
/// one slice instead of hashing a million keys. The hash table is freed on return.
fn in_partner_order(table: FxHashMap<Cell, Counts>, partners: &Partners) -> Vec<(Cell, Counts)> {
    let mut table: Vec<(Cell, Counts)> = table.into_iter().collect();
    table.par_sort_unstable_by_key(|(c, _)| (partners.of(c.peer), c.peer, c.outcome, c.day));
    table
}

/// Per peer, what the cells said of it and what the partner cells need of the peer
/// itself, compact, so that the peers can be dropped first.
struct PeerFacts {
    sessions: Vec<u64>,
    /// Negotiated a version or a cipher the policy refuses.
    affected: Vec<bool>,
    /// The remote address as a number (the table counts distinct hosts over numbers).
    remote: Vec<Option<u32>>,
    signs: Vec<Signs>,
}

impl PeerFacts {
    fn of(
        partial: &Partial,
        peers: &Interned<Peer>,
        table: &[(Cell, Counts)],
        policy: &Policy,
    ) -> PeerFacts {
        let mut facts = PeerFacts {
            sessions: vec![0; peers.len()],
            affected: vec![false; peers.len()],
            remote: remote_ids(peers),
            signs: peers.iter().map(|p| p.signs).collect(),
        };
        for (cell, counts) in table {
            let peer = cell.peer as usize;
            facts.sessions[peer] += counts.sessions;
            if let TlsOutcome::Negotiated(p, c) = partial.outcome(cell.outcome) {
                facts.affected[peer] |= policy.refuses(p, c);
            }
        }
        facts
    }
}

/// Each peer's remote address as a number, the same for the same address: found by
/// sorting the peers by address, not through a hash table of a million addresses held
/// beside the peers and rows.
fn remote_ids(peers: &Interned<Peer>) -> Vec<Option<u32>> {
    let remote = |i: u32| peers[i as usize].remote.as_ref();
    // By a number for each address (the text of a masked one only where two begin
    // alike): a million addresses sort as integers.
    let mut order: Vec<((u8, u128), u32)> = (0..peers.len() as u32)
        .filter_map(|i| Some((address_key(remote(i)?), i)))
        .collect();
    order.par_sort_unstable_by(|a, b| (a.0.cmp(&b.0)).then_with(|| remote(a.1).cmp(&remote(b.1))));
    let mut ids = vec![None; peers.len()];
    let (mut next, mut last) = (0, None);
    for i in order.into_iter().map(|(_, i)| i) {
        if last != remote(i) {
            (next, last) = (next + 1, remote(i));
        }
        ids[i as usize] = Some(next - 1);
    }
    ids
}

/// A name's first 16 bytes as a number (zero-padded): where two prefixes differ they
/// order as the names do; where they are equal the names must be compared.
fn name_prefix(name: &str) -> u128 {
    let mut prefix = [0u8; 16];
    let n = name.len().min(16);
    prefix[..n].copy_from_slice(&name.as_bytes()[..n]);
    u128::from_be_bytes(prefix)
}

/// An address as a number ordered as [`Address`] orders: IPv4 before IPv6 before text
/// (whose key is its prefix, see [`name_prefix`]).
fn address_key(address: &Address) -> (u8, u128) {
    match address {
        Address::Ip(IpAddr::V4(ip)) => (0, u32::from(*ip).into()),
        Address::Ip(IpAddr::V6(ip)) => (1, u128::from(*ip)),
        Address::Text(text) => (2, name_prefix(text)),
    }
}

/// The cells as partner cells for the table (remote addresses as ids: the table is
/// built over numbers), the dated cells for the day tables, and each partner's ciphers.
fn partner_cells(
    partial: &Partial,
    facts: &PeerFacts,
    partners: &Partners,
    table: Vec<(Cell, Counts)>,
    policy: &Policy,
    (rows, marks): (&mut [PartnerRow], &mut [Marks]),
) -> (PartnerCells, DayCells) {
    let mut dated = DayCells::default();
    // A cipher's label, made once per outcome rather than once per cell.
    let mut labels: FxHashMap<Id, String> = FxHashMap::default();
    let mut cells = PartnerCells::with_capacity(table.len());
    // The table's memory is handed back as the partner cells take its place: a million
    // cells are never held twice over.
    for (cell, counts) in Freeing::new(table) {
        let (peer, partner) = (cell.peer as usize, partners.of(cell.peer));
        let outcome = partial.outcome(cell.outcome);
        let (mut refused, mut cipher_refused) = (false, false);
        if let TlsOutcome::Negotiated(p, c) = outcome {
            let label = labels.entry(cell.outcome).or_insert_with(|| c.label());
            let ciphers = &mut rows[partner].detail.get_mut().ciphers;
            if !ciphers.contains(label) {
                ciphers.push(label.clone());
            }
            refused = policy.refuses(p, c);
            cipher_refused = DisabledCipher::any_matches(&policy.disable_cipher, c);
        }
        if let Some(day) = cell.day {
            let who = (rows[partner].direction, partner as u32);
            dated.push(day, who, Outcome::of(outcome), counts.sessions, refused);
        }
        let signs = facts.signs[peer];
        marks[partner].connector_required |= signs.requires_tls;
        // Required either by `--require-tls` or by the send session itself (a RequireTLS
        // override): refused, such mail queues.
        let flags = CellFlags {
            required: marks[partner].required || signs.requires_tls,
            no_fallback: rows[partner].detail.get().retries.no_fallback(),
            authenticated: signs.authenticated,
            cipher_refused,
        };
        cells.push(partner as u32, facts.remote[peer], outcome, &counts, flags);
    }
    (cells, dated)
}

/// A list's items in order, by value, its memory given back as they are taken (a large
/// list's allocation is mapped memory, shrunk in place).
struct Freeing<T> {
    /// The items still to come, last first.
    rest: Vec<T>,
}

impl<T> Freeing<T> {
    /// Shrinks below this many bytes would copy rather than unmap: not worth it.
    const SHRINK_BYTES: usize = 1 << 20;

    fn new(mut items: Vec<T>) -> Freeing<T> {
        items.reverse();
        Freeing { rest: items }
    }
}

impl<T> Iterator for Freeing<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let item = self.rest.pop()?;
        let spare = self.rest.capacity() - self.rest.len();
        if spare * std::mem::size_of::<T>() >= Self::SHRINK_BYTES
            && spare >= self.rest.capacity() / 8
        {
            self.rest.shrink_to_fit();
        }
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.rest.len(), Some(self.rest.len()))
    }
}

impl<T> ExactSizeIterator for Freeing<T> {}

/// Per partner, the host names its row shows.
struct HostNames {
    /// Its busiest host name, else its busiest address, by partner id.
    example: Vec<String>,
    /// `(partner, host)` for each host whose sessions would be refused, sorted, distinct.
    affected: Vec<(u32, String)>,
}

/// Per partner: its busiest host name (else address), and the hosts that would be
/// refused. Found before the rows exist, so that the peers are freed before a million
/// rows are made.
fn host_names(
    peers: &Interned<Peer>,
    partners: &Partners,
    facts: &PeerFacts,
    n: usize,
) -> HostNames {
    let mut names = HostNames {
        example: vec![String::new(); n],
        affected: Vec::new(),
    };
    let mut hosts = Vec::new();
    for (id, peer) in peers.iter().enumerate() {
        let partner = partners.of(id as Id) as u32;
        if let Some(h) = &peer.host {
            hosts.push((partner, &**h, facts.sessions[id]));
        }
        if facts.affected[id] {
            let who = match (&peer.host, &peer.remote) {
                (Some(h), _) => h.to_string(),
                (None, Some(r)) => r.to_string(),
                (None, None) => String::new(),
            };
            names.affected.push((partner, who));
        }
    }
    let example = &mut names.example;
    most_per_group(hosts, 1, |p, h| example[p as usize] = h.to_string());
    // Partners without a host name are shown by their busiest address, as text so that
    // ties break as the names would.
    let ips: Vec<_> = (peers.iter().enumerate())
        .filter(|(id, _)| example[partners.of(*id as Id)].is_empty())
        .filter_map(|(id, peer)| {
            let r = peer.remote.as_ref()?;
            Some((
                partners.of(id as Id) as u32,
                r.to_string(),
                facts.sessions[id],
            ))
        })
        .collect();
    most_per_group(ips, 1, |p, ip| example[p as usize] = ip);
    names.affected.sort_unstable();
    names.affected.dedup();
    names
}

/// The rows of the partners in the table, in its order, with what needs their class:
/// the ciphers as labels, the evidence, and the affected hosts of a partner at risk only.
fn finish_rows(
    mut rows: Vec<PartnerRow>,
    marks: Vec<Marks>,
    order: &TableOrder,
) -> Vec<PartnerRow> {
    for (&p, &auth_refused) in order.partners.iter().zip(&order.auth_refused) {
        let (row, mark) = (&mut rows[p as usize], &marks[p as usize]);
        let evidence = mark.evidence(row, auth_refused);
        if !evidence.is_empty() {
            row.detail.get_mut().evidence = evidence;
        }
        let at_risk = row.impact.at_risk();
        if let Some(detail) = row.detail.as_mut() {
            detail.ciphers.sort();
            if !at_risk {
                detail.affected_hosts = Vec::new();
            }
        }
        row.detail.drop_empty();
    }
    in_order(rows, &order.partners)
}

/// The items at the indices `order` lists, in that order, moved in place (a million rows
/// are not copied into a second list); the others are dropped, as is an index listed
/// twice or out of range.
fn in_order<T>(mut items: Vec<T>, order: &[u32]) -> Vec<T> {
    // Where each item goes: those listed first, in order, then the rest.
    let mut place = vec![u32::MAX; items.len()];
    let mut next = 0;
    for &i in order {
        match place.get_mut(i as usize) {
            Some(slot) if *slot == u32::MAX => {
                *slot = next;
                next += 1;
            }
            _ => {}
        }
    }
    let listed = next as usize;
    for slot in place.iter_mut().filter(|s| **s == u32::MAX) {
        *slot = next;
        next += 1;
    }
    // Each swap puts one item in its place: `place[k]` is where the item at `k` goes.
    for i in 0..items.len() {
        while place[i] as usize != i {
            let j = place[i] as usize;
            items.swap(i, j);
            place.swap(i, j);
        }
    }
    items.truncate(listed);
    items
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
    fn freeing_yields_every_item_in_order_and_shrinks() {
        let items: Vec<u64> = (0..1_000_000).collect();
        let mut freeing = Freeing::new(items);
        assert_eq!(freeing.by_ref().take(600_000).count(), 600_000);
        assert!(
            freeing.rest.capacity() < 500_000,
            "{}",
            freeing.rest.capacity()
        );
        assert_eq!(freeing.next(), Some(600_000));
        assert!(freeing.eq(600_001..1_000_000));
    }

    #[test]
    fn name_prefixes_order_as_the_names_where_they_differ() {
        let names = [
            "",
            "a",
            "a\0",
            "a\0b",
            "ab",
            "203.0.113.10",
            "203.0.113.9",
            "203.0.113.100",
            "mail.globex.co.uk",
            "mail.globex.co.uk.",
            "mail.globex.co.ukz",
            "é",
            "zz",
        ];
        for a in names {
            for b in names {
                let (pa, pb) = (name_prefix(a), name_prefix(b));
                assert!(pa == pb || pa.cmp(&pb) == a.cmp(b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn address_keys_order_as_addresses_where_they_differ() {
        let addresses: Vec<Address> = ["10.0.0.1", "9.255.255.255", "::1", "2001:db8::1"]
            .iter()
            .map(|ip| Address::Ip(ip.parse().unwrap()))
            .chain(["x.x.x.1", "x.x.x.10", "x.x.x.x"].map(|t| Address::Text(t.into())))
            .collect();
        for a in &addresses {
            for b in &addresses {
                let (ka, kb) = (address_key(a), address_key(b));
                assert!(ka == kb || ka.cmp(&kb) == a.cmp(b), "{a} {b}");
                assert_eq!(ka == kb, a == b, "{a} {b}");
            }
        }
    }

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
    fn in_order_moves_the_listed_items_and_drops_the_rest() {
        let items = vec!["a", "b", "c", "d", "e"];
        assert_eq!(in_order(items.clone(), &[3, 0, 4]), ["d", "a", "e"]);
        assert_eq!(
            in_order(items.clone(), &[4, 3, 2, 1, 0]),
            ["e", "d", "c", "b", "a"]
        );
        // A repeated or unknown index is dropped, never looped on.
        assert_eq!(in_order(items.clone(), &[1, 1, 9, 2]), ["b", "c"]);
        assert_eq!(in_order(items, &[]), Vec::<&str>::new());
    }

    #[test]
    fn covers_domain_and_subdomains_only() {
        assert!(covers("globex.co.uk", "globex.co.uk"));
        assert!(covers("globex.co.uk", "Mail.Globex.co.uk"));
        assert!(!covers("globex.co.uk", "notglobex.co.uk"));
        assert!(!covers("globex.co.uk", "co.uk"));
    }
}
