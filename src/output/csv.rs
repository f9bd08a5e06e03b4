//! The partner impact CSV: one row per (direction, partner), for the change board.

use std::fmt::Write as _;
use std::io::{self, Write};

use rayon::prelude::*;

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

/// One cell of a row: text as it is, or a count (written without an allocation).
enum Field<'a> {
    Text(&'a str),
    Owned(String),
    Count(u64),
}

/// A partner's cells, in [`header`] order, each passed to `emit`.
fn record(p: &PartnerRow, emit: &mut impl FnMut(Field) -> csv::Result<()>) -> csv::Result<()> {
    emit(Field::Text(p.direction.as_str()))?;
    emit(Field::Text(&p.partner))?;
    emit(Field::Text(p.impact.as_str()))?;
    emit(Field::Count(p.sessions))?;
    emit(Field::Count(p.messages))?;
    for o in outcomes(true) {
        emit(Field::Count(p.outcomes[o]))?;
    }
    emit(Field::Count(p.weak_cipher))?;
    emit(Field::Count(p.hosts))?;
    emit(Field::Text(&p.example_host))?;
    let detail = p.detail.get();
    emit(Field::Owned(detail.mail_domains.join(";")))?;
    emit(Field::Owned(detail.ciphers.join(";")))?;
    for seen in [p.first_seen, p.last_seen] {
        emit(Field::Owned(seen.map(format_millis).unwrap_or_default()))?;
    }
    emit(Field::Owned(detail.affected_hosts.join(";")))?;
    for o in outcomes(false) {
        emit(Field::Count(p.outcomes[o]))?;
    }
    let r = &detail.retries;
    for n in [r.retried_in_cleartext, r.retried_with_tls, r.no_retry_seen] {
        emit(Field::Count(n))?;
    }
    emit(Field::Text(&detail.evidence))
}

pub struct CsvWriter;

/// Rows rendered together on one thread: large enough that the buffers are few, small
/// enough that a wave of them stays a few megabytes.
const CHUNK_ROWS: usize = 4096;
/// Chunks rendered in parallel before they are written out, in order.
const WAVE_CHUNKS: usize = 16;

impl Writer for CsvWriter {
    fn write(&self, doc: &Document, out: &mut dyn Write) -> io::Result<()> {
        let mut w = csv::Writer::from_writer(&mut *out);
        w.write_record(header())?;
        w.flush()?;
        drop(w);
        // A million scanner rows take seconds to format on one core; chunks are rendered
        // in parallel, a wave at a time (memory stays a few megabytes), and written in
        // order, so the file is the same for any `-j`.
        for wave in doc.report.partners.chunks(CHUNK_ROWS * WAVE_CHUNKS) {
            let rendered: Vec<Vec<u8>> = (wave.par_chunks(CHUNK_ROWS))
                .map(render)
                .collect::<io::Result<_>>()?;
            for bytes in rendered {
                out.write_all(&bytes)?;
            }
        }
        Ok(())
    }
}

/// Rows as CSV records, without the header.
fn render(rows: &[PartnerRow]) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 160));
    let mut number = String::new();
    for p in rows {
        // Field by field: a cell is copied only when it needs its guard quote, and
        // counts go through one reused buffer.
        record(p, &mut |field| match field {
            Field::Text(text) => w.write_field(csv_cell(text).as_bytes()),
            Field::Owned(text) => w.write_field(csv_cell(&text).as_bytes()),
            Field::Count(n) => {
                number.clear();
                // Formatting into a String cannot fail.
                let _ = write!(number, "{n}");
                w.write_field(number.as_bytes())
            }
        })?;
        w.write_record(None::<&[u8]>)?;
    }
    w.into_inner().map_err(|e| e.into_error())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::Stats;
    use crate::partner::Direction;
    use crate::report::Report;

    fn report(partners: usize) -> Report {
        Report {
            policy: Default::default(),
            stats: Stats::default(),
            partners: (0..partners)
                .map(|i| {
                    let mut row = PartnerRow::new(Direction::Inbound, format!("203.0.113.{i}"));
                    row.sessions = i as u64;
                    row.first_seen = Some(i as i64 * 1000);
                    row
                })
                .collect(),
            servers: Vec::new(),
            problems: Vec::new(),
            warnings: Vec::new(),
            days: Vec::new(),
            partner_days: Vec::new(),
        }
    }

    #[test]
    fn rows_in_many_chunks_are_written_as_in_one() {
        let rows = CHUNK_ROWS * WAVE_CHUNKS + CHUNK_ROWS + 7;
        let report = report(rows);
        let doc = Document {
            report: &report,
            verdict: None,
            aggregate: None,
        };
        let mut out = Vec::new();
        CsvWriter.write(&doc, &mut out).unwrap();
        let mut whole = header().join(",").into_bytes();
        whole.push(b'\n');
        whole.extend(render(&report.partners).unwrap());
        assert_eq!(out, whole);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), rows + 1);
        let last = text.lines().last().unwrap();
        assert!(
            last.starts_with(&format!("inbound,203.0.113.{},", rows - 1)),
            "{last}"
        );
    }
}
