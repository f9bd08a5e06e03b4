//! Sessions: the facts one SMTP session's rows add up to, how fragments of a session cut
//! by a file rollover or a split are merged, and the one `TlsOutcome` each session gets.
//!
//! Every fact is kept with the sequence number it came from, so merging two fragments
//! does not depend on which was read first: the answer is the same for any file order
//! and any thread count.

use std::sync::Arc;

use crate::parse::endpoint::Address;
use crate::parse::header::LogKind;
use crate::parse::time::Millis;
use crate::tls::{Cipher, Protocol, TlsOutcome};

/// A value seen at a sequence number; merging keeps the earliest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Seen<T> {
    pub seq: u32,
    pub value: T,
}

/// Ties on the sequence number (repeated rows) go to the smaller value, so the result
/// does not depend on which fragment was merged first.
fn keep_earliest<T: Ord>(slot: &mut Option<Seen<T>>, other: Option<Seen<T>>) {
    if let Some(o) = other {
        match slot {
            Some(s) if (s.seq, &s.value) <= (o.seq, &o.value) => {}
            _ => *slot = Some(o),
        }
    }
}

fn max_opt(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    a.max(b)
}

fn min_opt<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// What the rows of one session (or of one fragment of it) have shown so far. A store
/// keeps the fragments a file leaves open as these facts, serialised.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SessionFacts {
    /// The `SERVER` of a receive connector id `SERVER\Connector`.
    pub server: Option<Seen<Arc<str>>>,
    /// A connector id was read (the first one names the server).
    pub connector_seen: bool,
    pub local: Option<Seen<Address>>,
    pub remote: Option<Seen<Address>>,
    pub first: Option<Millis>,
    pub last: Option<Millis>,
    /// A row with sequence number 0 was seen: the session's start is here.
    pub started: bool,
    /// The `-` (disconnect) row was seen.
    pub ended: bool,
    /// The `+` (connect) row was seen: the session's start, whatever its number.
    pub connected: bool,
    /// The client's EHLO/HELO argument (receive logs).
    pub hello: Option<Seen<Box<str>>>,
    /// The highest sequence number of an EHLO/HELO command.
    pub last_hello_seq: Option<u32>,
    /// The lowest sequence number of an EHLO/HELO command.
    pub first_hello_seq: Option<u32>,
    /// The host the remote's 220 greeting names (send logs); `None` value = masked.
    pub banner: Option<Seen<Option<Box<str>>>>,
    /// The first word of the remote's EHLO reply (send logs).
    pub ehlo_reply: Option<Seen<Box<str>>>,
    /// Per stretch, the first 250 reply read before any EHLO of that stretch (send logs):
    /// the reply to an EHLO at the end of the stretch before, when a split or a rollover
    /// fell between the two. Counts only when an EHLO of the session precedes it.
    pub early_replies: Vec<Seen<Box<str>>>,
    /// Sequence number of STARTTLS or X-ANONYMOUSTLS.
    pub starttls_seq: Option<u32>,
    pub anonymous_tls: bool,
    /// The lowest and highest sequence numbers read, and how many distinct rows: with
    /// `rows` covering the span, no row between is missing.
    pub min_seq: Option<u32>,
    pub max_seq: Option<u32>,
    pub rows: u32,
    /// The client side sent a command (receive logs: the remote; send logs: our server).
    pub client_spoke: bool,
    /// The lowest sequence number of MAIL FROM, RCPT TO, AUTH, DATA or BDAT.
    pub mail_seq: Option<u32>,
    /// `Failed to connect`: a send session that never reached the remote.
    pub connect_failed: bool,
    /// The disconnect row's reason was a socket-level drop by the remote
    /// (`Remote(SocketError)`, `Remote(ConnectionReset)`).
    pub remote_dropped: bool,
    /// AUTH answered 235, or an `authenticated` row.
    pub authenticated: bool,
    /// The remote's EHLO reply advertised Exchange's internal verbs (send logs).
    pub exchange_verbs: bool,
    /// The connector is one of Exchange's implicit internal ones.
    pub implicit_connector: bool,
    /// The session used a port only Exchange's own hops use.
    pub internal_port: bool,
    /// A send session whose connector TLS configuration was overridden to require TLS
    /// (the effective `RequireTLS` value).
    pub requires_tls: bool,
    /// While scanning one stretch (not merged): an EHLO was sent and the remote has not
    /// replied yet; the stretch's first reply was read.
    pub awaiting_ehlo_reply: bool,
    pub replied_early: bool,
    /// While scanning one stretch (not merged): between an EHLO and the next command, the
    /// rows are the EHLO reply's lines (where Exchange's verbs would be).
    pub in_ehlo_reply: bool,
    /// The latest refusal (4xx/5xx naming TLS) sent by the TLS server, before or after
    /// STARTTLS: only one after it counts.
    pub refusal_seq: Option<u32>,
    pub tls: Option<Seen<(Protocol, Cipher)>>,
    pub failure: Option<Seen<Box<str>>>,
    /// Sequence numbers of the MAIL FROM commands (a repeated row counts once).
    pub mail_from_seqs: Vec<u32>,
    /// Distinct mail domains, lower-case (MAIL FROM inbound, RCPT TO outbound).
    pub domains: Vec<Box<str>>,
    /// (sequence number, file index) of the lowest row read: which file a fragment comes
    /// from, so that a store keeps each file's part of a session apart.
    pub origin: Option<(u32, u32)>,
}

impl SessionFacts {
    /// Folds another fragment of the same session into this one.
    pub fn merge(&mut self, o: SessionFacts) {
        keep_earliest(&mut self.server, o.server);
        self.connector_seen |= o.connector_seen;
        keep_earliest(&mut self.local, o.local);
        keep_earliest(&mut self.remote, o.remote);
        self.first = min_opt(self.first, o.first);
        self.last = self.last.max(o.last);
        self.started |= o.started;
        self.ended |= o.ended;
        self.connected |= o.connected;
        keep_earliest(&mut self.hello, o.hello);
        self.last_hello_seq = max_opt(self.last_hello_seq, o.last_hello_seq);
        self.first_hello_seq = min_opt(self.first_hello_seq, o.first_hello_seq);
        keep_earliest(&mut self.banner, o.banner);
        keep_earliest(&mut self.ehlo_reply, o.ehlo_reply);
        self.early_replies.extend(o.early_replies);
        self.starttls_seq = min_opt(self.starttls_seq, o.starttls_seq);
        self.anonymous_tls |= o.anonymous_tls;
        self.min_seq = min_opt(self.min_seq, o.min_seq);
        self.max_seq = max_opt(self.max_seq, o.max_seq);
        self.rows += o.rows;
        self.client_spoke |= o.client_spoke;
        self.mail_seq = min_opt(self.mail_seq, o.mail_seq);
        self.connect_failed |= o.connect_failed;
        self.remote_dropped |= o.remote_dropped;
        self.authenticated |= o.authenticated;
        self.exchange_verbs |= o.exchange_verbs;
        self.implicit_connector |= o.implicit_connector;
        self.internal_port |= o.internal_port;
        self.requires_tls |= o.requires_tls;
        self.refusal_seq = max_opt(self.refusal_seq, o.refusal_seq);
        keep_earliest(&mut self.tls, o.tls);
        keep_earliest(&mut self.failure, o.failure);
        for seq in o.mail_from_seqs {
            self.add_mail_from(seq);
        }
        for d in o.domains {
            self.add_domain(d);
        }
        self.origin = min_opt(self.origin, o.origin);
    }

    /// A MAIL FROM at `seq`; the same row read twice is one message.
    pub fn add_mail_from(&mut self, seq: u32) {
        if !self.mail_from_seqs.contains(&seq) {
            self.mail_from_seqs.push(seq);
        }
    }

    /// Notes a row at `seq` (already known not to repeat one read before).
    pub fn add_row(&mut self, seq: u32) {
        self.min_seq = min_opt(self.min_seq, Some(seq));
        self.max_seq = self.max_seq.max(Some(seq));
        self.rows += 1;
    }

    pub fn add_domain(&mut self, d: Box<str>) {
        if !self.domains.contains(&d) {
            self.domains.push(d);
        }
    }

    /// Adds a domain as read from a row (any case, maybe a trailing dot), allocating only
    /// when it is new to the session.
    pub fn add_domain_bytes(&mut self, raw: &[u8]) {
        // The same trimming as `normalise_host`, compared without allocating.
        let mut trimmed = raw;
        while let Some(t) = trimmed.strip_suffix(b".") {
            trimmed = t;
        }
        if self
            .domains
            .iter()
            .any(|d| d.as_bytes().eq_ignore_ascii_case(trimmed))
        {
            return;
        }
        self.add_domain(normalise_host(&String::from_utf8_lossy(raw)));
    }

    /// The one outcome of the session, by the rules in the README: a TLS attempt decides
    /// it; without one, the rows must show where TLS would have started to say cleartext.
    pub fn outcome(&self) -> TlsOutcome {
        if let Some(tls) = &self.tls {
            return TlsOutcome::Negotiated(tls.value.0.clone(), tls.value.1.clone());
        }
        if self.failure.is_some() {
            return TlsOutcome::Failed;
        }
        if let Some(s) = self.starttls_seq {
            let refused = self.refusal_seq.is_some_and(|r| r > s);
            let went_on = self.last_hello_seq.is_some_and(|h| h > s);
            return if went_on && !refused {
                TlsOutcome::Unknown
            } else {
                TlsOutcome::Failed
            };
        }
        if self.shows_cleartext() {
            TlsOutcome::Cleartext
        } else if self.never_talked() {
            TlsOutcome::NoConversation
        } else {
            TlsOutcome::Incomplete
        }
    }

    /// Seen from its start (the `+` row or sequence 0) or from its first EHLO/HELO, with
    /// no row missing between, the client spoke, and the session reached a mail or auth
    /// command or its end: the point where STARTTLS would have come is in the rows.
    fn shows_cleartext(&self) -> bool {
        let from_hello = self.first_hello_seq.is_some() && self.min_seq == self.first_hello_seq;
        let whole = match (self.min_seq, self.max_seq) {
            (Some(lo), Some(hi)) => u64::from(self.rows) > u64::from(hi - lo),
            _ => false,
        };
        (self.started || self.connected || from_hello)
            && whole
            && self.client_spoke
            && (self.mail_seq.is_some() || self.ended)
    }

    /// The connection failed, or closed before the client side sent any command.
    fn never_talked(&self) -> bool {
        let from_start = self.started || self.connected;
        !self.client_spoke && (self.connect_failed || (from_start && self.ended))
    }

    /// A failed handshake that the remote ended by dropping the connection: the failure
    /// line names `SocketError`, or there is none and the disconnect says the remote's
    /// socket went away. Old servers do this when offered a version above TLS 1.0.
    pub fn dropped_handshake(&self, outcome: &TlsOutcome) -> bool {
        *outcome == TlsOutcome::Failed
            && match &self.failure {
                Some(f) => f.value.eq_ignore_ascii_case("SocketError"),
                None => self.remote_dropped,
            }
    }

    /// Messages: distinct MAIL FROM rows.
    pub fn messages(&self) -> u32 {
        self.mail_from_seqs.len() as u32
    }

    /// What the rows showed of who the remote is.
    pub fn signs(&self) -> Signs {
        Signs {
            anonymous_tls: self.anonymous_tls,
            implicit_connector: self.implicit_connector,
            internal_port: self.internal_port,
            exchange_verbs: self.exchange_verbs,
            authenticated: self.authenticated,
            requires_tls: self.requires_tls,
        }
    }

    /// The remote's name for itself, by the direction's rule: inbound the EHLO argument,
    /// outbound the host in the 220 banner or else the first word of the EHLO reply.
    pub fn remote_host(&self, kind: LogKind) -> Option<&str> {
        match kind {
            LogKind::Receive => self.hello.as_ref().map(|h| &*h.value),
            LogKind::Send => self
                .banner
                .as_ref()
                // A 220 read before any EHLO of its stretch is a banner only if it also
                // came before every EHLO of the session.
                .filter(|b| self.first_hello_seq.is_none_or(|h| b.seq < h))
                .and_then(|b| b.value.as_deref())
                .or_else(|| self.first_ehlo_reply().map(|h| &*h.value)),
        }
        .filter(|h| !h.is_empty())
    }

    /// The first 250 reply after the session's first EHLO, wherever the EHLO was read.
    fn first_ehlo_reply(&self) -> Option<&Seen<Box<str>>> {
        self.early_replies
            .iter()
            .filter(|r| self.first_hello_seq.is_some_and(|h| h < r.seq))
            .chain(&self.ehlo_reply)
            .min_by(|a, b| (a.seq, &a.value).cmp(&(b.seq, &b.value)))
    }

    /// Ready to be folded into the aggregates: start and end both seen here.
    pub fn is_complete(&self) -> bool {
        self.started && self.ended
    }

    /// The session as reported.
    pub fn finish(self, kind: LogKind) -> Session {
        let outcome = self.outcome();
        let dropped_handshake = self.dropped_handshake(&outcome);
        let host = self.remote_host(kind).map(Box::from);
        let (signs, messages) = (self.signs(), self.messages());
        Session {
            kind,
            origin: self.origin.map(|(_, file)| file),
            server: self.server.map(|s| s.value),
            local: self.local.map(|s| s.value),
            remote: self.remote.map(|s| s.value),
            host,
            signs,
            outcome,
            dropped_handshake,
            messages,
            domains: self.domains,
            first: self.first,
            last: self.last,
        }
    }
}

/// Lower-case, no trailing dot: `MAIL.Globex.co.uk.` → `mail.globex.co.uk`.
pub fn normalise_host(host: &str) -> Box<str> {
    normalise_host_owned(host.into())
}

/// [`normalise_host`] in place, allocating only to drop a trailing dot.
pub fn normalise_host_owned(mut host: Box<str>) -> Box<str> {
    host.make_ascii_lowercase();
    if host.ends_with('.') {
        host.trim_end_matches('.').into()
    } else {
        host
    }
}

/// What a session showed of who is on the other end, beyond its address and name: the
/// facts (with the organisation's own addresses) that decide its direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Signs {
    /// X-ANONYMOUSTLS: only Exchange servers of one organisation use it.
    pub anonymous_tls: bool,
    /// Sent through one of Exchange's implicit internal connectors.
    pub implicit_connector: bool,
    /// On a port only Exchange's own hops use (2525, 475, 717).
    pub internal_port: bool,
    /// The remote advertised Exchange's internal verbs in its EHLO reply.
    pub exchange_verbs: bool,
    /// The remote authenticated (AUTH answered 235).
    pub authenticated: bool,
    /// The send session required TLS: refused, it queues instead of going on in cleartext.
    pub requires_tls: bool,
}

/// One finished session: the unit every count in every report counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub kind: LogKind,
    /// The index of the file holding the first row read (see [`SessionFacts::origin`]):
    /// a store credits a session that starts and ends in one file to that file.
    pub origin: Option<u32>,
    pub server: Option<Arc<str>>,
    pub local: Option<Address>,
    pub remote: Option<Address>,
    /// The remote's host name as it gave it (see [`SessionFacts::remote_host`]).
    pub host: Option<Box<str>>,
    pub signs: Signs,
    pub outcome: TlsOutcome,
    /// See [`SessionFacts::dropped_handshake`].
    pub dropped_handshake: bool,
    pub messages: u32,
    pub domains: Vec<Box<str>>,
    pub first: Option<Millis>,
    pub last: Option<Millis>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen<T>(seq: u32, value: T) -> Option<Seen<T>> {
        Some(Seen { seq, value })
    }

    /// Facts of a session read from `rows` sequence numbers `lo..=hi`.
    fn read(lo: u32, hi: u32) -> SessionFacts {
        let mut f = SessionFacts::default();
        (lo..=hi).for_each(|seq| f.add_row(seq));
        f.started = lo == 0;
        f
    }

    #[test]
    fn outcome_cleartext_from_the_start_through_mail_from() {
        let mut f = read(0, 8);
        f.client_spoke = true;
        f.first_hello_seq = Some(2);
        f.mail_seq = Some(5);
        assert_eq!(f.outcome(), TlsOutcome::Cleartext);
    }

    #[test]
    fn outcome_cleartext_from_the_ehlo_through_the_disconnect() {
        let mut f = read(2, 6);
        f.client_spoke = true;
        f.first_hello_seq = Some(2);
        f.ended = true;
        assert_eq!(f.outcome(), TlsOutcome::Cleartext);
    }

    #[test]
    fn fragment_without_its_start_is_incomplete() {
        // Seen from sequence 12 on: AUTH, 504, disconnect.
        let mut f = read(12, 14);
        f.client_spoke = true;
        f.mail_seq = Some(12);
        f.ended = true;
        assert_eq!(f.outcome(), TlsOutcome::Incomplete);
        assert_eq!(SessionFacts::default().outcome(), TlsOutcome::Incomplete);
    }

    #[test]
    fn session_whose_end_is_missing_is_incomplete() {
        // Rows stop after the EHLO reply that offers STARTTLS.
        let mut f = read(0, 4);
        f.client_spoke = true;
        f.first_hello_seq = Some(2);
        assert_eq!(f.outcome(), TlsOutcome::Incomplete);
    }

    #[test]
    fn rows_missing_between_start_and_mail_is_incomplete() {
        let mut f = read(0, 3);
        f.add_row(9);
        f.client_spoke = true;
        f.first_hello_seq = Some(2);
        f.mail_seq = Some(9);
        assert_eq!(f.outcome(), TlsOutcome::Incomplete);
    }

    #[test]
    fn probe_and_failed_connect_are_no_conversation() {
        let mut probe = read(0, 2);
        probe.ended = true;
        assert_eq!(probe.outcome(), TlsOutcome::NoConversation);
        let mut failed = read(0, 2);
        failed.connect_failed = true;
        assert_eq!(failed.outcome(), TlsOutcome::NoConversation);
        let mut cut = read(0, 2);
        cut.ended = false;
        assert_eq!(cut.outcome(), TlsOutcome::Incomplete);
    }

    #[test]
    fn repeated_mail_from_rows_are_one_message() {
        let mut a = SessionFacts::default();
        a.add_mail_from(7);
        let mut b = SessionFacts::default();
        b.add_mail_from(7);
        b.add_mail_from(12);
        a.merge(b);
        assert_eq!(a.messages(), 2);
    }

    #[test]
    fn outcome_failed_when_starttls_then_end() {
        let f = SessionFacts {
            starttls_seq: Some(4),
            last_hello_seq: Some(2),
            ended: true,
            ..Default::default()
        };
        assert_eq!(f.outcome(), TlsOutcome::Failed);
    }

    #[test]
    fn outcome_unknown_when_ehlo_again_without_protocol_line() {
        let f = SessionFacts {
            starttls_seq: Some(4),
            last_hello_seq: Some(8),
            ..Default::default()
        };
        assert_eq!(f.outcome(), TlsOutcome::Unknown);
    }

    #[test]
    fn outcome_failed_when_starttls_refused() {
        let f = SessionFacts {
            starttls_seq: Some(4),
            refusal_seq: Some(5),
            last_hello_seq: Some(8),
            ..Default::default()
        };
        assert_eq!(f.outcome(), TlsOutcome::Failed);
    }

    #[test]
    fn outcome_failure_line_wins_over_unknown() {
        let f = SessionFacts {
            starttls_seq: Some(4),
            last_hello_seq: Some(8),
            failure: seen(6, "UnknownCredentials".into()),
            ..Default::default()
        };
        assert_eq!(f.outcome(), TlsOutcome::Failed);
    }

    #[test]
    fn merge_is_order_independent() {
        let a = SessionFacts {
            started: true,
            first: Some(10),
            last: Some(20),
            hello: seen(2, "mx.a.example".into()),
            starttls_seq: Some(4),
            tls: seen(
                7,
                (
                    Protocol::Tls10,
                    Cipher::new("CALG_RC4", "CALG_MD5", "CALG_RSA_KEYX"),
                ),
            ),
            ..Default::default()
        };
        let b = SessionFacts {
            ended: true,
            first: Some(30),
            last: Some(40),
            hello: seen(8, "mx.a.example".into()),
            last_hello_seq: Some(8),
            mail_from_seqs: vec![9, 11],
            domains: vec!["a.example".into()],
            ..Default::default()
        };
        let mut ab = a.clone();
        ab.merge(b.clone());
        let mut ba = b;
        ba.merge(a);
        let (x, y) = (ab.finish(LogKind::Receive), ba.finish(LogKind::Receive));
        assert_eq!(x, y);
        assert_eq!(x.first, Some(10));
        assert_eq!(x.last, Some(40));
        assert_eq!(x.messages, 2);
        assert!(matches!(
            x.outcome,
            TlsOutcome::Negotiated(Protocol::Tls10, _)
        ));
    }

    #[test]
    fn ehlo_reply_split_from_its_ehlo() {
        // A stretch ends with the EHLO; the next begins with its reply (the banner was
        // masked), and later 250s of the next stretch must not win.
        let mut a = SessionFacts {
            started: true,
            banner: seen(1, None),
            first_hello_seq: Some(2),
            last_hello_seq: Some(2),
            early_replies: vec![Seen {
                seq: 0,
                value: "junk.example".into(),
            }],
            ..Default::default()
        };
        let b = SessionFacts {
            early_replies: vec![Seen {
                seq: 3,
                value: "mx.partner.example".into(),
            }],
            ehlo_reply: seen(9, "mx.later.example".into()),
            first_hello_seq: Some(8),
            last_hello_seq: Some(8),
            ..Default::default()
        };
        a.merge(b);
        assert_eq!(a.remote_host(LogKind::Send), Some("mx.partner.example"));
    }

    #[test]
    fn banner_after_ehlo_of_an_earlier_stretch_is_not_a_banner() {
        let mut a = SessionFacts {
            first_hello_seq: Some(2),
            last_hello_seq: Some(2),
            ehlo_reply: seen(3, "mx.partner.example".into()),
            ..Default::default()
        };
        a.merge(SessionFacts {
            banner: seen(5, Some("smtp.other.example".into())),
            ..Default::default()
        });
        assert_eq!(a.remote_host(LogKind::Send), Some("mx.partner.example"));
    }

    #[test]
    fn remote_host_outbound_prefers_banner_then_ehlo_reply() {
        let mut f = SessionFacts {
            banner: seen(3, None),
            ehlo_reply: seen(5, "mx.partner.example".into()),
            ..Default::default()
        };
        assert_eq!(f.remote_host(LogKind::Send), Some("mx.partner.example"));
        f.banner = seen(3, Some("smtp.partner.example".into()));
        assert_eq!(f.remote_host(LogKind::Send), Some("smtp.partner.example"));
    }
}
