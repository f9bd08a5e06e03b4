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
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// What the rows of one session (or of one fragment of it) have shown so far.
#[derive(Debug, Clone, Default)]
pub struct SessionFacts {
    /// The `SERVER` of a receive connector id `SERVER\Connector`.
    pub server: Option<Seen<Arc<str>>>,
    pub connector: Option<Seen<Arc<str>>>,
    pub local: Option<Seen<Address>>,
    pub remote: Option<Seen<Address>>,
    pub first: Option<Millis>,
    pub last: Option<Millis>,
    /// A row with sequence number 0 was seen: the session's start is here.
    pub started: bool,
    /// The `-` (disconnect) row was seen.
    pub ended: bool,
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
    /// The latest refusal (4xx/5xx naming TLS) sent by the TLS server, before or after
    /// STARTTLS: only one after it counts.
    pub refusal_seq: Option<u32>,
    pub tls: Option<Seen<(Protocol, Cipher)>>,
    pub failure: Option<Seen<Box<str>>>,
    pub messages: u32,
    /// Distinct mail domains, lower-case (MAIL FROM inbound, RCPT TO outbound).
    pub domains: Vec<Box<str>>,
}

impl SessionFacts {
    /// Folds another fragment of the same session into this one.
    pub fn merge(&mut self, o: SessionFacts) {
        keep_earliest(&mut self.server, o.server);
        keep_earliest(&mut self.connector, o.connector);
        keep_earliest(&mut self.local, o.local);
        keep_earliest(&mut self.remote, o.remote);
        self.first = min_opt(self.first, o.first);
        self.last = self.last.max(o.last);
        self.started |= o.started;
        self.ended |= o.ended;
        keep_earliest(&mut self.hello, o.hello);
        self.last_hello_seq = max_opt(self.last_hello_seq, o.last_hello_seq);
        self.first_hello_seq = min_opt(self.first_hello_seq, o.first_hello_seq);
        keep_earliest(&mut self.banner, o.banner);
        keep_earliest(&mut self.ehlo_reply, o.ehlo_reply);
        self.early_replies.extend(o.early_replies);
        self.starttls_seq = min_opt(self.starttls_seq, o.starttls_seq);
        self.anonymous_tls |= o.anonymous_tls;
        self.refusal_seq = max_opt(self.refusal_seq, o.refusal_seq);
        keep_earliest(&mut self.tls, o.tls);
        keep_earliest(&mut self.failure, o.failure);
        self.messages += o.messages;
        for d in o.domains {
            self.add_domain(d);
        }
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

    /// The one outcome of the session, by the rules in the README.
    pub fn outcome(&self) -> TlsOutcome {
        if let Some(tls) = &self.tls {
            return TlsOutcome::Negotiated(tls.value.0.clone(), tls.value.1.clone());
        }
        if self.failure.is_some() {
            return TlsOutcome::Failed;
        }
        match self.starttls_seq {
            None => TlsOutcome::Cleartext,
            Some(s) => {
                let refused = self.refusal_seq.is_some_and(|r| r > s);
                let went_on = self.last_hello_seq.is_some_and(|h| h > s);
                if went_on && !refused {
                    TlsOutcome::Unknown
                } else {
                    TlsOutcome::Failed
                }
            }
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
        let host = self.remote_host(kind).map(Box::from);
        Session {
            kind,
            server: self.server.map(|s| s.value),
            local: self.local.map(|s| s.value),
            remote: self.remote.map(|s| s.value),
            host,
            anonymous_tls: self.anonymous_tls,
            outcome,
            messages: self.messages,
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

/// One finished session: the unit every count in every report counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub kind: LogKind,
    pub server: Option<Arc<str>>,
    pub local: Option<Address>,
    pub remote: Option<Address>,
    /// The remote's host name as it gave it (see [`SessionFacts::remote_host`]).
    pub host: Option<Box<str>>,
    pub anonymous_tls: bool,
    pub outcome: TlsOutcome,
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

    #[test]
    fn outcome_cleartext_without_starttls() {
        assert_eq!(SessionFacts::default().outcome(), TlsOutcome::Cleartext);
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
            messages: 2,
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
