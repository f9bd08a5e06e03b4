//! Rows → session facts for one stretch of one file (a whole file, a split of a large one,
//! or the decompressed stream of an archive member).
//!
//! A session whose first and last rows are both here is finished and folded into the
//! partial at once, so memory holds only the sessions still open. Whatever is open when
//! the stretch ends becomes a fragment for [`Partial::stitch`].

use std::sync::Arc;

use std::collections::hash_map::Entry;
use std::hash::Hasher;

use rustc_hash::FxHashMap;

use crate::collect::{Fragment, FragmentKey, Partial, Problem, PROBLEM_SAMPLES};
use crate::parse::endpoint::{endpoint_address, endpoint_port};
use crate::parse::header::{header_line, Columns, HeaderLine, LogKind};
use crate::parse::payload::{self, Command};
use crate::parse::row::{self, Fields, RowDamage, Rows};
use crate::parse::time::{Clock, Millis};
use crate::session::{Seen, SessionFacts};

/// Where the stretch sits, and what the file's header said.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    pub file: u32,
    pub stretch: u32,
    pub folder: u32,
    /// Byte offset of the stretch in its file.
    pub offset: u64,
    pub kind: LogKind,
    pub columns: Columns,
}

/// Turns lines into session facts.
pub struct Scanner {
    origin: Origin,
    kind: LogKind,
    columns: Columns,
    /// `false` after a mid-file header of another log type, until a protocol header.
    active: bool,
    sessions: FxHashMap<SessionKey, SessionFacts>,
    /// Sessions finished in this stretch, with their last sequence number: a row of one
    /// repeated after its disconnect (collection tools duplicate rows) is not a new session.
    closed: FxHashMap<SessionKey, u32>,
    clock: Clock,
    line: u64,
    byte: u64,
    /// The last connector id seen, its shared name and its server part.
    names: Option<ConnectorNames>,
    /// Problems sampled so far in this stretch: the first few of each stretch are kept, so
    /// the samples do not depend on how stretches are grouped onto threads.
    sampled: usize,
}

/// A connector id, its server part, and whether it is one of Exchange's implicit internal
/// connectors.
type ConnectorNames = (Box<[u8]>, Option<Arc<str>>, bool);

/// One connection: its session-id and a hash of its remote endpoint. Sanitised excerpts
/// reuse one session-id for different connections; the endpoint tells them apart.
type SessionKey = (u64, u64);

/// A data row that passed validation: every field is there and well formed (a damaged row
/// is only a problem: it makes no session and adds to none).
struct Row<'f> {
    session: SessionKey,
    seq: u32,
    time: Millis,
    /// `+`, `-`, `<`, `>` or `*`.
    event: u8,
    data: &'f [u8],
    context: &'f [u8],
    remote: &'f [u8],
    local: &'f [u8],
    connector: &'f [u8],
}

fn hex_session_id(field: &[u8]) -> Option<u64> {
    if field.is_empty() || field.len() > 16 {
        return None;
    }
    let mut v = 0u64;
    for &c in field {
        let d = (c as char).to_digit(16)?;
        v = (v << 4) | u64::from(d);
    }
    Some(v)
}

/// A hash of an endpoint field (FxHash: unseeded, so the same value on every run and
/// thread, and eight bytes at a time on the hot path).
fn endpoint_hash(field: &[u8]) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    h.write(field.trim_ascii());
    h.finish()
}

fn parse_u32(field: &[u8]) -> Option<u32> {
    if field.is_empty() || field.len() > 9 || !field.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        field
            .iter()
            .fold(0u32, |a, &c| a * 10 + u32::from(c - b'0')),
    )
}

fn lossy(bytes: &[u8]) -> Box<str> {
    String::from_utf8_lossy(bytes).into()
}

impl Scanner {
    pub fn new(origin: Origin) -> Scanner {
        Scanner {
            origin,
            kind: origin.kind,
            columns: origin.columns,
            active: true,
            sessions: FxHashMap::default(),
            closed: FxHashMap::default(),
            clock: Clock::default(),
            line: 0,
            byte: origin.offset,
            sampled: 0,
            names: None,
        }
    }

    /// Feeds complete lines; returns how many bytes were consumed (up to the last `\n`,
    /// or everything when `last` says no more bytes follow).
    pub fn feed(&mut self, bytes: &[u8], last: bool, out: &mut Partial) -> usize {
        let mut fields = Fields::default();
        let mut rows = Rows::new(bytes);
        loop {
            let at = rows.position();
            let Some((line, terminated)) = rows.next_row(&mut fields) else {
                return bytes.len();
            };
            if !terminated && !last {
                // An incomplete line: left for the next call, with more bytes.
                return at;
            }
            self.line += 1;
            self.one_line(line, &mut fields, out);
            self.byte += (rows.position() - at) as u64;
        }
    }

    fn problem(&mut self, out: &mut Partial, what: String) {
        let keep = self.sampled < PROBLEM_SAMPLES;
        self.sampled += usize::from(keep);
        out.malformed(keep.then_some(Problem {
            file: self.origin.file,
            stretch: self.origin.stretch,
            line: self.line,
            byte: self.byte,
            what,
        }));
    }

    /// One line: a header line, or a data row whose facts go to its session.
    fn one_line<'a>(&mut self, line: &'a [u8], fields: &mut Fields<'a>, out: &mut Partial) {
        if !self.data_row(line, fields) {
            return;
        }
        out.count_row();
        let Some(row) = self.validate(fields, out) else {
            return;
        };
        let kind = self.kind;
        // The one look-up of the row's session: everything below works on its facts. Only
        // a row of no open session can repeat one of a session already finished.
        let facts = match self.sessions.entry(row.session) {
            Entry::Occupied(open) => open.into_mut(),
            Entry::Vacant(new) => {
                if self
                    .closed
                    .get(&row.session)
                    .is_some_and(|&end| row.seq <= end)
                {
                    return;
                }
                new.insert(SessionFacts {
                    origin: Some((row.seq, self.origin.file)),
                    ..SessionFacts::default()
                })
            }
        };
        // A session's rows come in sequence order: one at or below the highest read is
        // the same row again.
        if facts.max_seq.is_some_and(|m| row.seq <= m) {
            return;
        }
        facts.add_row(row.seq);
        note_identity(facts, &row, kind, &mut self.names);
        note_event(facts, &row, kind);
        if row.event == b'-' && facts.is_complete() {
            if let Some(facts) = self.sessions.remove(&row.session) {
                self.closed.insert(row.session, row.seq);
                out.add_session(facts.finish(kind));
            }
        }
    }

    /// Deals with the lines that are not data rows: blank lines, header lines and the
    /// rows under the header of another log type. Returns whether `line` is a data row to
    /// scan; its fields are in `fields`.
    fn data_row<'a>(&mut self, line: &'a [u8], fields: &mut Fields<'a>) -> bool {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return false;
        }
        // The BOM of the first line is stripped once, by the reader; a BOM here means a
        // file was appended to another, with its header.
        let bom = crate::parse::header::strip_bom(line);
        let line = if bom.len() < line.len() {
            row::row(bom, fields);
            bom
        } else {
            line
        };
        match line.first() {
            // A line that was only a BOM.
            None => false,
            Some(b'#') => {
                self.header(line);
                false
            }
            Some(_) => self.active,
        }
    }

    /// A header line: a protocol log's `#Log-type` (re)starts the scan with its kind,
    /// another log type's stops it; `#Fields` sets the columns.
    fn header(&mut self, line: &[u8]) {
        match header_line(line) {
            Ok((_, HeaderLine::LogType(Some(kind)))) => {
                self.kind = kind;
                self.active = true;
            }
            Ok((_, HeaderLine::LogType(None))) => self.active = false,
            Ok((_, HeaderLine::Fields(c))) => self.columns = c,
            _ => {}
        }
    }

    /// Checks a data row's shape and its session-id, date-time, sequence-number and
    /// event. A damaged row is a problem and nothing else: it makes no session and adds
    /// no fact to one, so a cut line or another log's row cannot invent a partner.
    fn validate<'f>(&mut self, fields: &'f Fields<'_>, out: &mut Partial) -> Option<Row<'f>> {
        let c = self.columns;
        let session = hex_session_id(fields.get(c.session));
        let time = self.clock.parse(fields.get(c.date_time));
        let seq = parse_u32(fields.get(c.sequence));
        let event = match fields.get(c.event) {
            [e @ (b'+' | b'-' | b'<' | b'>' | b'*')] => Some(*e),
            _ => None,
        };
        let damage = shape_damage(fields, c.width).or_else(|| {
            let field = fields.get(c.session);
            match (session, time, seq, event) {
                (None, ..) if field.is_empty() => Some("no session-id".into()),
                (None, ..) => Some("session-id is not hexadecimal".into()),
                (_, None, ..) => Some("bad date-time".into()),
                (_, _, None, _) => Some("bad sequence-number".into()),
                (.., None) => Some("unknown event".into()),
                _ => None,
            }
        });
        if let Some(what) = damage {
            self.problem(out, what);
            return None;
        }
        let remote = fields.get(c.remote);
        Some(Row {
            session: (session?, endpoint_hash(remote)),
            seq: seq?,
            time: time?,
            event: event?,
            data: fields.get(c.data),
            context: fields.get(c.context),
            remote,
            local: fields.get(c.local),
            connector: fields.get(c.connector),
        })
    }

    /// Ends the stretch: open sessions become fragments.
    pub fn finish(self, out: &mut Partial) {
        out.end_stretch(self.origin.file, self.origin.stretch, self.line);
        let mut open: Vec<_> = self.sessions.into_iter().collect();
        open.sort_by_key(|(id, _)| *id);
        for ((session, remote), facts) in open {
            out.add_fragment(
                FragmentKey {
                    folder: self.origin.folder,
                    kind: self.kind,
                    session,
                    remote,
                },
                Fragment {
                    stretches: 1,
                    facts,
                },
            );
        }
    }
}

/// Scans one stretch held whole in memory (tests, fuzzing, benchmarks): new scanner, all
/// of `bytes`, open sessions to fragments.
pub fn scan_bytes(origin: Origin, bytes: &[u8], out: &mut Partial) {
    let mut scanner = Scanner::new(origin);
    let used = scanner.feed(bytes, true, out);
    // The last bytes of a stretch are all consumed, a line without its `\n` included.
    debug_assert_eq!(used, bytes.len());
    scanner.finish(out);
}

/// What the row grammar or the field count says is wrong with a row.
fn shape_damage(fields: &Fields, width: usize) -> Option<String> {
    match fields.damage {
        Some(RowDamage::UnterminatedQuote) => Some("unterminated quote".into()),
        Some(RowDamage::StrayQuote) => Some("stray quote inside a quoted field".into()),
        None if fields.count != width => {
            Some(format!("{} fields, expected {}", fields.count, width))
        }
        None => None,
    }
}

/// Ports only Exchange's own hops use: 2525 (Front End → Transport), 475 (mailbox
/// delivery), 717 (outbound proxy).
const INTERNAL_PORTS: [u16; 3] = [2525, 475, 717];

/// What any row says about its session: its time, whether it is the first row, and the
/// first endpoints and connector seen.
fn note_identity(
    facts: &mut SessionFacts,
    row: &Row,
    kind: LogKind,
    names: &mut Option<ConnectorNames>,
) {
    let (seq, t) = (row.seq, row.time);
    facts.first = Some(facts.first.map_or(t, |f| f.min(t)));
    facts.last = Some(facts.last.map_or(t, |l| l.max(t)));
    facts.started |= seq == 0;
    facts.connected |= row.event == b'+';
    if facts.remote.is_none() {
        if let Some(a) = endpoint_address(row.remote) {
            facts.remote = Some(Seen { seq, value: a });
            // The port that is ours: the remote's in a send log, the local one in a
            // receive log.
            let ours = if kind == LogKind::Send {
                row.remote
            } else {
                row.local
            };
            facts.internal_port |= endpoint_port(ours).is_some_and(|p| INTERNAL_PORTS.contains(&p));
        }
    }
    if facts.local.is_none() {
        if let Some(a) = endpoint_address(row.local) {
            facts.local = Some(Seen { seq, value: a });
        }
    }
    if !facts.connector_seen && !row.connector.is_empty() {
        note_connector(facts, row.connector, seq, kind, names);
    }
}

/// Exchange's implicit connectors carry its own hops. Their names are localised, so the
/// known translations are listed too; the port and EHLO-verb rules do not depend on them.
const IMPLICIT_CONNECTORS: [&str; 12] = [
    "Intra-Organization SMTP Send Connector",
    "Inbound Proxy Internal Send Connector",
    "Mailbox Delivery",
    "Client Proxy ",
    "组织内 SMTP 发送连接器",
    "組織內 SMTP 傳送連接器",
    "組織内 SMTP 送信コネクタ",
    "Внутренний соединитель отправки",
    "Внутриорганизационный соединитель отправки SMTP",
    "Organisationsinterner SMTP-Sendeconnector",
    "Connecteur d'envoi SMTP intra-organisation",
    "Conector de envío SMTP dentro de la organización",
];

/// Is this connector (its name, after any `SERVER\`) one of Exchange's implicit ones?
fn is_implicit_connector(name: &str) -> bool {
    let name = name.rsplit('\\').next().unwrap_or(name);
    IMPLICIT_CONNECTORS.iter().any(|c| name.starts_with(c))
}

/// A connector seen: whether it is implicit (send logs) and, in a receive log, the `SERVER`
/// of `SERVER\Connector`.
fn note_connector(
    facts: &mut SessionFacts,
    connector: &[u8],
    seq: u32,
    kind: LogKind,
    names: &mut Option<ConnectorNames>,
) {
    // A file has few connectors: look each one up once, and share its server name.
    let names = match &*names {
        Some(n) if *n.0 == *connector => n,
        _ => {
            let server = memchr::memchr(b'\\', connector)
                .map(|bs| Arc::from(String::from_utf8_lossy(&connector[..bs])));
            let implicit = is_implicit_connector(&String::from_utf8_lossy(connector));
            names.insert((connector.into(), server, implicit))
        }
    };
    facts.implicit_connector |= names.2 && kind == LogKind::Send;
    facts.connector_seen = true;
    if kind == LogKind::Receive {
        if let Some(server) = &names.1 {
            facts.server = Some(Seen {
                seq,
                value: server.clone(),
            });
        }
    }
}

/// Exchange's own notes (`*` rows): a TLS negotiation that succeeded or failed, a
/// connection that failed, a client that authenticated. The TLS lines sit in `context`
/// (in `data` on some hand-made copies, so look there too).
fn note_info(facts: &mut SessionFacts, row: &Row, seq: u32) {
    if row.context == b"authenticated" {
        facts.authenticated = true;
    }
    for text in [row.context, row.data] {
        if text.starts_with(b"Failed to connect") {
            facts.connect_failed = true;
        }
        if let Ok((_, required)) = payload::require_tls_override(text) {
            facts.requires_tls |= required;
            break;
        }
        if !text.starts_with(b"TLS ") {
            continue;
        }
        if let Ok((_, (p, cipher))) = payload::tls_success(text) {
            if facts.tls.as_ref().is_none_or(|t| t.seq > seq) {
                facts.tls = Some(Seen {
                    seq,
                    value: (p, cipher),
                });
            }
        } else if let Ok((_, name)) = payload::tls_failure(text) {
            if facts.failure.as_ref().is_none_or(|t| t.seq > seq) {
                facts.failure = Some(Seen {
                    seq,
                    value: lossy(name),
                });
            }
        }
        break;
    }
}

/// What the row's event says: an information row, the disconnect, a command of the SMTP
/// client or a reply of the server (the two swap sides between receive and send logs).
fn note_event(facts: &mut SessionFacts, row: &Row, kind: LogKind) {
    let seq = row.seq;
    let (client, server) = match kind {
        LogKind::Receive => (b'<', b'>'),
        LogKind::Send => (b'>', b'<'),
    };
    match row.event {
        b'*' => note_info(facts, row, seq),
        b'-' => {
            facts.ended = true;
            facts.remote_dropped |= payload::remote_drop(row.context);
        }
        e if e == client => client_command(facts, row.data, seq, kind),
        e if e == server => {
            if reply_matters(facts, row.data, kind) {
                server_reply(facts, row.data, seq, kind);
            }
            facts.awaiting_ehlo_reply = false;
        }
        _ => {}
    }
}

/// A command of the SMTP client: EHLO/HELO, STARTTLS, X-ANONYMOUSTLS, MAIL FROM, RCPT TO.
fn client_command(facts: &mut SessionFacts, data: &[u8], seq: u32, kind: LogKind) {
    facts.client_spoke = true;
    // Any command ends the EHLO reply; an EHLO starts the next one (in `note_hello`).
    facts.in_ehlo_reply = false;
    let command = payload::command(data);
    if matches!(
        command,
        Command::MailFrom(_) | Command::RcptTo(_) | Command::Auth | Command::Data
    ) {
        facts.mail_seq = Some(facts.mail_seq.map_or(seq, |m| m.min(seq)));
    }
    match command {
        Command::Hello(name) => note_hello(facts, name, seq, kind),
        Command::StartTls => {
            facts.starttls_seq = Some(facts.starttls_seq.map_or(seq, |s| s.min(seq)));
        }
        Command::AnonymousTls => {
            facts.anonymous_tls = true;
            facts.starttls_seq = Some(facts.starttls_seq.map_or(seq, |s| s.min(seq)));
        }
        Command::MailFrom(d) => {
            facts.add_mail_from(seq);
            if let (LogKind::Receive, Some(d)) = (kind, d) {
                facts.add_domain_bytes(d);
            }
        }
        Command::RcptTo(Some(d)) if kind == LogKind::Send => facts.add_domain_bytes(d),
        _ => {}
    }
}

/// An EHLO or HELO: where the session's hellos are, and the name a receive log's client
/// gives.
fn note_hello(facts: &mut SessionFacts, name: &[u8], seq: u32, kind: LogKind) {
    // Only the reply right after an EHLO names the remote (send logs), and only its lines
    // can list Exchange's verbs.
    facts.awaiting_ehlo_reply = kind == LogKind::Send;
    facts.in_ehlo_reply = kind == LogKind::Send;
    facts.last_hello_seq = Some(facts.last_hello_seq.map_or(seq, |s| s.max(seq)));
    facts.first_hello_seq = Some(facts.first_hello_seq.map_or(seq, |s| s.min(seq)));
    if kind == LogKind::Receive
        && !name.is_empty()
        && facts.hello.as_ref().is_none_or(|h| h.seq > seq)
    {
        facts.hello = Some(Seen {
            seq,
            value: lossy(name),
        });
    }
}

/// Is the next reply the first of this stretch, read before any EHLO of it? It may
/// answer an EHLO that ended the stretch before.
fn first_reply_here(facts: &SessionFacts) -> bool {
    facts.last_hello_seq.is_none() && !facts.replied_early
}

/// Replies matter only for the outbound host name (banner, EHLO reply) and Exchange's
/// verbs in it, for an accepted AUTH (235), and for a refused STARTTLS (4xx/5xx; its
/// STARTTLS may be in the stretch before): most reply rows are skipped without parsing.
fn reply_matters(facts: &SessionFacts, data: &[u8], kind: LogKind) -> bool {
    let send = kind == LogKind::Send;
    (send && (facts.banner.is_none() || facts.awaiting_ehlo_reply || first_reply_here(facts)))
        || (send && facts.in_ehlo_reply && !facts.exchange_verbs && data.starts_with(b"250"))
        || (!send && data.starts_with(b"235"))
        || matches!(data.first(), Some(b'4'..=b'9'))
}

/// A reply of the SMTP server: the remote's host name in a send log, a refusal naming TLS.
fn server_reply(facts: &mut SessionFacts, data: &[u8], seq: u32, kind: LogKind) {
    let Ok((_, (code, text))) = payload::reply(data) else {
        return;
    };
    if kind == LogKind::Send {
        note_remote_host(facts, code, text, seq);
        if code == 250 && facts.in_ehlo_reply && payload::advertises_exchange_verbs(text) {
            facts.exchange_verbs = true;
        }
    } else if code == 235 {
        facts.authenticated = true;
    }
    // Kept whether or not a STARTTLS was read before it: `outcome` compares the latest
    // refusal with the session's STARTTLS once all is merged.
    if code >= 400 && memchr::memmem::find(text, b"TLS").is_some() {
        facts.refusal_seq = Some(facts.refusal_seq.map_or(seq, |r| r.max(seq)));
    }
}

/// The host a send log's remote names in its 220 banner (before any EHLO) or in the
/// first line of its reply to EHLO: never a later 250 (`250 2.6.0 <id> Queued mail`).
fn note_remote_host(facts: &mut SessionFacts, code: u16, text: &[u8], seq: u32) {
    if code == 220
        && facts.last_hello_seq.is_none()
        && facts.banner.as_ref().is_none_or(|b| b.seq > seq)
    {
        let host = payload::banner_host(text).ok().and_then(|(_, h)| h);
        facts.banner = Some(Seen {
            seq,
            value: host.map(lossy),
        });
        return;
    }
    let first_of_stretch = first_reply_here(facts);
    if !facts.awaiting_ehlo_reply && !first_of_stretch {
        return;
    }
    // The first reply of a stretch may answer an EHLO that ended the stretch before: it
    // is kept aside, and counts only if it follows the session's first EHLO.
    facts.replied_early |= first_of_stretch;
    let host = match payload::ehlo_reply_host(text) {
        Ok((_, Some(h))) if code == 250 => h,
        _ => return,
    };
    let reply = Seen {
        seq,
        value: lossy(host),
    };
    if !first_of_stretch {
        if facts.ehlo_reply.is_none() {
            facts.ehlo_reply = Some(reply);
        }
    } else {
        facts.early_replies.push(reply);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_of_only_a_bom_does_not_panic() {
        let mut out = Partial::default();
        let origin = Origin {
            file: 0,
            stretch: 0,
            folder: 0,
            offset: 0,
            kind: LogKind::Receive,
            columns: Columns::STANDARD,
        };
        scan_bytes(origin, b"x\r\n\xEF\xBB\xBF\r\n\xEF\xBB\xBF", &mut out);
        assert_eq!(out.stats().rows, 1, "only the junk line is a row");
        assert_eq!(out.stats().sessions, 0);
    }

    #[test]
    fn hex_session_ids() {
        assert_eq!(
            hex_session_id(b"08D6A8D416004F77"),
            Some(0x08D6_A8D4_1600_4F77)
        );
        assert_eq!(hex_session_id(b"SessionId"), None);
        assert_eq!(hex_session_id(b""), None);
    }

    /// Rows of session 1 as `seq,event,data` lines, read whole or cut before line `cut`
    /// into two stretches, then stitched: the cells.
    fn cells(kind: LogKind, rows: &[&str], cut: Option<usize>) -> Vec<Named> {
        let text: String = rows
            .iter()
            .map(|r| {
                let (seq, rest) = r.split_once(',').unwrap();
                format!("2026-11-25T14:11:08.{seq:0>3}Z,Internet,0000000000000001,{seq},10.0.1.12:50985,198.51.100.75:25,{rest},\n")
            })
            .collect();
        let at = cut.map_or(text.len(), |c| {
            text.match_indices('\n')
                .nth(c - 1)
                .map_or(0, |(i, _)| i + 1)
        });
        let mut out = Partial::default();
        for (stretch, part) in [&text[..at], &text[at..]].into_iter().enumerate() {
            let origin = Origin {
                file: 0,
                stretch: stretch as u32,
                folder: 0,
                offset: 0,
                kind,
                columns: Columns::STANDARD,
            };
            scan_bytes(origin, part.as_bytes(), &mut out);
        }
        out.stitch();
        (out.named_cells().into_iter())
            .map(|c| (c.peer.clone(), c.outcome.clone(), c.counts))
            .collect()
    }

    /// A cell as the tests compare it: peer, outcome, counts.
    type Named = (
        crate::collect::Peer,
        crate::tls::TlsOutcome,
        crate::collect::Counts,
    );

    /// The cells read whole, after checking that every cut between two lines gives the
    /// same cells.
    fn cells_whatever_the_cut(kind: LogKind, rows: &[&str]) -> Vec<Named> {
        let whole = cells(kind, rows, None);
        for cut in 1..rows.len() {
            assert_eq!(cells(kind, rows, Some(cut)), whole, "cut {cut}");
        }
        whole
    }

    #[test]
    fn refusal_split_from_its_starttls() {
        // STARTTLS ends one stretch, the refusal begins the next; the client goes on in
        // cleartext. Read whole it is a failed STARTTLS; split it must be too.
        let rows = [
            "0,+,",
            "1,<,EHLO mx.partner.example",
            "2,<,STARTTLS",
            "3,>,454 4.7.0 TLS not available due to local problem",
            "4,<,EHLO mx.partner.example",
            "5,-,",
        ];
        let whole = cells_whatever_the_cut(LogKind::Receive, &rows);
        assert_eq!(whole[0].1, crate::tls::TlsOutcome::Failed);
    }

    #[test]
    fn ehlo_reply_split_from_its_ehlo() {
        // The banner is masked, so the host comes from the EHLO reply; a stretch ends
        // right after the EHLO.
        let rows = [
            "0,+,",
            "1,<,220 ****************************",
            "2,>,EHLO mail.northwindtraders.com",
            "3,<,250-mail.fourthcoffee.com.au Hello [203.0.113.5]",
            "4,>,MAIL FROM:<a@northwindtraders.com>",
            "5,<,250 2.1.0 Sender OK",
            "6,-,",
        ];
        let whole = cells_whatever_the_cut(LogKind::Send, &rows);
        assert_eq!(whole[0].0.host.as_deref(), Some("mail.fourthcoffee.com.au"));
    }

    #[test]
    fn banner_after_ehlo_of_an_earlier_stretch() {
        // A 220 naming a host after the EHLO (here the reply to STARTTLS) is no banner,
        // even when the EHLO was read in the stretch before.
        let rows = [
            "0,+,",
            "1,>,EHLO mail.northwindtraders.com",
            "2,<,250-mail.fourthcoffee.com.au Hello [203.0.113.5]",
            "3,>,STARTTLS",
            "4,<,220 smtp.other.example ready",
            "5,-,",
        ];
        let whole = cells_whatever_the_cut(LogKind::Send, &rows);
        assert_eq!(whole[0].0.host.as_deref(), Some("mail.fourthcoffee.com.au"));
    }
}
