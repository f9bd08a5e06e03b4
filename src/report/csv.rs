//! The partner impact CSV: one row per (direction, partner), for the change board.

use std::io::{self, Write};

use super::escape::csv_cell;
use super::{Report, Versions, Writer};

/// The columns, in order; the first 21 are the documented contract.
pub fn header() -> Vec<&'static str> {
    let mut h = vec!["direction", "partner", "impact", "sessions", "messages"];
    h.extend(Versions::COLUMNS);
    h.extend([
        "weak_cipher",
        "hosts",
        "example_host",
        "mail_domains",
        "ciphers",
        "first_seen",
        "last_seen",
        "affected_hosts",
    ]);
    h
}

pub struct CsvWriter;

impl Writer for CsvWriter {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(header())?;
        for p in &report.partners {
            let mut rec: Vec<String> = vec![
                p.direction.clone(),
                p.partner.clone(),
                p.impact.as_str().to_string(),
                p.sessions.to_string(),
                p.messages.to_string(),
            ];
            rec.extend(
                Versions::COLUMNS
                    .iter()
                    .map(|c| p.versions.get(c).to_string()),
            );
            rec.extend([
                p.weak_cipher.to_string(),
                p.hosts.to_string(),
                p.example_host.clone(),
                p.mail_domains.join(";"),
                p.ciphers.join(";"),
                p.first_seen.clone().unwrap_or_default(),
                p.last_seen.clone().unwrap_or_default(),
                p.affected_hosts.join(";"),
            ]);
            w.write_record(rec.iter().map(|s| csv_cell(s).into_owned()))?;
        }
        w.flush()?;
        Ok(())
    }
}
