//! Sessions per day and partner (`--by-day`), CSV: one row per (day, partner) with a
//! session that day, by day, then in the report's partner order.

use std::io::{self, Write};

use super::escape::csv_cell;
use super::{Document, Writer};
use crate::outcome::Outcome;

/// The columns, in order: the outcome columns after the partner's sessions.
pub fn header() -> Vec<&'static str> {
    let mut h = vec!["day", "direction", "partner", "impact", "sessions"];
    h.extend(Outcome::ALL.map(Outcome::column));
    h
}

pub struct ByDayWriter;

impl Writer for ByDayWriter {
    fn write(&self, doc: &Document, out: &mut dyn Write) -> io::Result<()> {
        let r = doc.report;
        let mut w = csv::Writer::from_writer(out);
        w.write_record(header())?;
        for d in &r.partner_days {
            let p = &r.partners[d.row];
            let mut rec = vec![
                d.day.to_string(),
                p.direction.to_string(),
                csv_cell(&p.partner).into_owned(),
                p.impact.to_string(),
                d.sessions.to_string(),
            ];
            rec.extend(d.outcomes.iter().map(|(_, n)| n.to_string()));
            w.write_record(rec)?;
        }
        w.flush()?;
        Ok(())
    }
}
