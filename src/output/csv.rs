//! The partner impact CSV: one row per (direction, partner), for the change board.

use std::io::{self, Write};

use super::escape::csv_cell;
use super::{Document, Writer};
use crate::outcome::Outcome;
use crate::parse::time::format_millis;
use crate::report::PartnerRow;

/// The columns after the outcome columns.
const TAIL: [&str; 8] = [
    "weak_cipher",
    "hosts",
    "example_host",
    "mail_domains",
    "ciphers",
    "first_seen",
    "last_seen",
    "affected_hosts",
];

/// The fallback evidence, after everything else (columns are only ever appended).
const EVIDENCE: [&str; 4] = [
    "retried_in_cleartext",
    "retried_with_tls",
    "no_retry_seen",
    "evidence",
];

/// The outcomes that say what TLS did (`known`, among the first 22 columns: the
/// documented contract) or that the rows cannot tell (after the last of them).
fn outcomes(known: bool) -> impl Iterator<Item = Outcome> {
    (Outcome::ALL.into_iter()).filter(move |o| o.is_known() == known)
}

/// The columns, in order; the first 22 are the documented contract.
pub fn header() -> Vec<&'static str> {
    let mut h = vec!["direction", "partner", "impact", "sessions", "messages"];
    h.extend(outcomes(true).map(Outcome::column));
    h.extend(TAIL);
    h.extend(outcomes(false).map(Outcome::column));
    h.extend(EVIDENCE);
    h
}

/// A partner's cells, in [`header`] order.
fn record(p: &PartnerRow) -> Vec<String> {
    let mut rec: Vec<String> = vec![
        p.direction.to_string(),
        p.partner.clone(),
        p.impact.to_string(),
        p.sessions.to_string(),
        p.messages.to_string(),
    ];
    let count = |known| outcomes(known).map(|o| p.outcomes[o].to_string());
    rec.extend(count(true));
    rec.extend([
        p.weak_cipher.to_string(),
        p.hosts.to_string(),
        p.example_host.clone(),
        p.mail_domains.join(";"),
        p.ciphers.join(";"),
        p.first_seen.map(format_millis).unwrap_or_default(),
        p.last_seen.map(format_millis).unwrap_or_default(),
        p.affected_hosts.join(";"),
    ]);
    rec.extend(count(false));
    let r = &p.retries;
    rec.extend([
        r.retried_in_cleartext.to_string(),
        r.retried_with_tls.to_string(),
        r.no_retry_seen.to_string(),
        p.evidence.clone(),
    ]);
    rec
}

pub struct CsvWriter;

impl Writer for CsvWriter {
    fn write(&self, doc: &Document, out: &mut dyn Write) -> io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(header())?;
        for p in &doc.report.partners {
            // Field by field: a cell is copied only when it needs its guard quote.
            for cell in record(p) {
                w.write_field(csv_cell(&cell).as_bytes())?;
            }
            w.write_record(None::<&[u8]>)?;
        }
        w.flush()?;
        Ok(())
    }
}
