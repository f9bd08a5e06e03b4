//! The summary a person reads in the terminal: totals, partners at risk first, then the
//! rest by class, then the organisation's own servers, then what was wrong with the input.
//! Impact classes are coloured when the run says so (see [`super::style`]).

use std::io::{self, Write};

use anstyle::Style;

use super::escape::terminal as safe;
use super::style::{self, Paint};
use super::{Document, Writer};
use crate::collect::Stats;
use crate::partner::Direction;
use crate::report::{Impact, PartnerRow, Report};

pub struct TerminalWriter {
    /// How many partners of each class that is not at risk to list.
    pub others_shown: usize,
    /// How many partners (and devices) at risk to list, worst first; the CSV and JSON
    /// carry the rest, which the summary counts.
    pub at_risk_shown: usize,
    pub paint: Paint,
}

impl Default for TerminalWriter {
    fn default() -> Self {
        TerminalWriter {
            others_shown: 10,
            at_risk_shown: 200,
            paint: Paint::default(),
        }
    }
}

/// A table cell: its text (already escaped) and its style.
type Cell = (String, Style);

fn plain(text: String) -> Cell {
    (text, Style::new())
}

pub(super) fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Columns as wide as their widest cell, measured on the text before it is painted.
fn table(out: &mut dyn Write, header: &[&str], rows: &[Vec<Cell>], paint: Paint) -> io::Result<()> {
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, (c, _)) in r.iter().enumerate() {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<(&str, Style)>| {
        let mut s = String::from(" ");
        for (i, (c, style)) in cells.iter().enumerate() {
            let last = i + 1 == cells.len();
            // Numbers right-aligned, text left-aligned.
            if !c.is_empty() && c.chars().all(|ch| ch.is_ascii_digit() || ch == ',') {
                s.push_str(&" ".repeat(width[i] - c.chars().count()));
                s.push_str(&paint.paint(c, *style));
            } else if last {
                s.push_str(&paint.paint(c, *style));
            } else {
                s.push_str(&paint.padded(c, width[i], *style));
            }
            if !last {
                s.push_str("  ");
            }
        }
        s.trim_end().to_string()
    };
    writeln!(
        out,
        "{}",
        line(header.iter().map(|h| (*h, Style::new())).collect())
    )?;
    for r in rows {
        writeln!(
            out,
            "{}",
            line(r.iter().map(|(c, s)| (c.as_str(), *s)).collect())
        )?;
    }
    Ok(())
}

fn partner_cells(p: &PartnerRow) -> Vec<Cell> {
    vec![
        (p.impact.to_string(), style::impact(p.impact)),
        plain(p.direction.to_string()),
        plain(safe(&p.partner).into_owned()),
        plain(thousands(p.sessions)),
        plain(thousands(p.hosts)),
        plain(p.outcomes.summary()),
        plain(safe(&p.example_host).into_owned()),
    ]
}

const PARTNER_HEADER: [&str; 7] = [
    "impact",
    "direction",
    "partner",
    "sessions",
    "hosts",
    "TLS seen",
    "example host",
];

impl Writer for TerminalWriter {
    fn write(&self, doc: &Document, out: &mut dyn Write) -> io::Result<()> {
        let r = doc.report;
        question(r, out)?;
        totals(&r.stats, out)?;
        not_ready(r, out)?;
        self.at_risk(r, out)?;
        self.clients(r, out)?;
        by_impact(r, self.paint, out)?;
        self.other_lists(r, out)?;
        servers(r, self.paint, out)?;
        problems(r, out)
    }
}

/// The question asked.
fn question(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "smtptls: what happens to your mail if {} is switched off",
        r.policy.switched_off()
    )?;
    if !r.policy.require_tls.is_empty() {
        writeln!(
            out,
            "TLS required for: {}",
            safe(&r.policy.require_tls.join(", "))
        )?;
    }
    writeln!(out)
}

/// What was read.
fn totals(s: &Stats, out: &mut dyn Write) -> io::Result<()> {
    let unreadable = if s.files_unreadable > 0 {
        format!(", {} unreadable", thousands(s.files_unreadable))
    } else {
        String::new()
    };
    writeln!(
        out,
        "Read {} protocol log files ({:.1} MB), skipped {} other files{unreadable}.",
        thousands(s.files_read),
        s.bytes as f64 / 1e6,
        thousands(s.files_skipped),
    )?;
    writeln!(
        out,
        "{} rows, {} sessions ({} stitched across files, {} missing their first or last rows), {} malformed rows.",
        thousands(s.rows),
        thousands(s.sessions),
        thousands(s.stitched_sessions),
        thousands(s.partial_sessions),
        thousands(s.malformed_rows)
    )
}

/// Our own servers that never negotiated an allowed version, first: they need their own
/// update before any partner's does matter.
fn not_ready(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    for s in r.servers.iter().filter(|s| s.not_ready()) {
        writeln!(
            out,
            "SERVER NOT READY: {} ({}) never negotiated TLS {} or later: update Windows/Exchange and enable TLS 1.2 in SCHANNEL and .NET",
            safe(&s.server),
            s.log.as_str(),
            r.policy.min_tls.as_str()
        )?;
    }
    Ok(())
}

/// Partners and sessions per class.
fn by_impact(r: &Report, paint: Paint, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "PARTNERS BY IMPACT")?;
    for imp in Impact::ALL {
        let of: Vec<_> = r.partners.iter().filter(|p| p.impact == imp).collect();
        if of.is_empty() {
            continue;
        }
        writeln!(
            out,
            "  {} {:>6} partners  {:>10} sessions",
            paint.padded(imp.as_str(), 24, style::impact(imp)),
            thousands(of.len() as u64),
            thousands(of.iter().map(|p| p.sessions).sum())
        )?;
    }
    Ok(())
}

impl TerminalWriter {
    /// The partners whose mail the change would hurt, with the hosts that would be refused
    /// (devices and applications have their own section).
    fn at_risk(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let at_risk: Vec<_> = (r.at_risk())
            .filter(|p| p.direction != Direction::Client)
            .collect();
        writeln!(out)?;
        if at_risk.is_empty() {
            return writeln!(out, "No partner is at risk.");
        }
        let partners = (r.partners.iter())
            .filter(|p| p.direction != Direction::Client)
            .count();
        writeln!(
            out,
            "PARTNERS AT RISK: {} of {} (sessions affected: {})",
            at_risk.len(),
            partners,
            thousands(at_risk.iter().map(|p| p.sessions).sum())
        )?;
        let shown = &at_risk[..at_risk.len().min(self.at_risk_shown)];
        let rows: Vec<_> = shown.iter().map(|p| partner_cells(p)).collect();
        table(out, &PARTNER_HEADER, &rows, self.paint)?;
        if shown.len() < at_risk.len() {
            let more = thousands((at_risk.len() - shown.len()) as u64);
            writeln!(
                out,
                " ... and {more} more partners at risk (every one is in the CSV and JSON)"
            )?;
        }
        // Per partner, what would be refused, then what its failed handshakes showed.
        for p in shown {
            let (direction, partner) = (p.direction, safe(&p.partner));
            let detail = p.detail.get();
            if !detail.affected_hosts.is_empty() {
                let refused = r.policy.refused_as();
                let hosts = detail.affected_hosts.join(", ");
                let hosts = safe(&hosts);
                writeln!(out, "   {direction} {partner}: {refused} from {hosts}")?;
            }
            if !detail.evidence.is_empty() {
                writeln!(out, "   {direction} {partner}: {}", detail.evidence)?;
            }
        }
        Ok(())
    }

    /// Devices and applications that hand mail to our servers: every one at risk, then
    /// the busiest of the rest.
    fn clients(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let clients: Vec<_> = (r.partners.iter())
            .filter(|p| p.direction == Direction::Client)
            .collect();
        if clients.is_empty() {
            return Ok(());
        }
        let at_risk = clients.iter().filter(|p| p.impact.at_risk()).count();
        let shown = (at_risk.min(self.at_risk_shown))
            .max(self.others_shown)
            .min(clients.len());
        writeln!(out)?;
        writeln!(
            out,
            "YOUR DEVICES AND APPLICATIONS: {} at risk of {}{}",
            at_risk,
            clients.len(),
            if shown < clients.len() {
                format!(" ({} more in the CSV)", clients.len() - shown)
            } else {
                String::new()
            }
        )?;
        let rows: Vec<_> = clients[..shown].iter().map(|p| partner_cells(p)).collect();
        table(out, &PARTNER_HEADER, &rows, self.paint)
    }

    /// The busiest partners already failing TLS, and those whose version was not logged.
    fn other_lists(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        for imp in [Impact::TlsFailing, Impact::Unknown] {
            let of: Vec<_> = r.partners.iter().filter(|p| p.impact == imp).collect();
            if of.is_empty() {
                continue;
            }
            writeln!(out)?;
            let more = of.len().saturating_sub(self.others_shown);
            let shown = if more > 0 {
                format!(" (top {}, {} more in the CSV)", self.others_shown, more)
            } else {
                String::new()
            };
            let title = imp.as_str().to_uppercase().replace('_', " ");
            let title = self.paint.paint(&title, style::impact(imp));
            writeln!(out, "{title}{shown}")?;
            let rows: Vec<_> = (of.iter().take(self.others_shown))
                .map(|p| partner_cells(p))
                .collect();
            table(out, &PARTNER_HEADER, &rows, self.paint)?;
        }
        Ok(())
    }
}

/// The versions each of our servers negotiated, and the hops between them.
fn servers(r: &Report, paint: Paint, out: &mut dyn Write) -> io::Result<()> {
    if r.servers.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "YOUR SERVERS (sessions in their own logs)")?;
    let rows: Vec<_> = (r.servers.iter())
        .map(|s| {
            vec![
                plain(safe(&s.server).into_owned()),
                plain(s.log.as_str().to_string()),
                plain(thousands(s.sessions)),
                plain(s.outcomes.summary()),
            ]
        })
        .collect();
    table(
        out,
        &["server", "log", "sessions", "TLS seen"],
        &rows,
        paint,
    )?;
    let internal: Vec<_> = (r.partners.iter())
        .filter(|p| p.direction == Direction::Internal)
        .collect();
    if !internal.is_empty() {
        writeln!(out)?;
        writeln!(out, "INTERNAL HOPS (between your own servers)")?;
        let rows: Vec<_> = internal.iter().map(|p| partner_cells(p)).collect();
        table(out, &PARTNER_HEADER, &rows, paint)?;
    }
    Ok(())
}

/// What was wrong with the input, `file:line: problem`.
fn problems(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    if r.problems.is_empty() && r.warnings.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "INPUT PROBLEMS")?;
    for w in &r.warnings {
        writeln!(out, "  {}", safe(w))?;
    }
    for p in &r.problems {
        writeln!(out, "  {}:{}: {}", safe(&p.file), p.line, safe(&p.problem))?;
    }
    let shown = r.problems.len() as u64;
    if r.stats.malformed_rows > shown {
        writeln!(
            out,
            "  ... and {} more malformed rows",
            thousands(r.stats.malformed_rows - shown)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    fn falls_back(partner: &str) -> PartnerRow {
        let json = format!(
            r#"{{"direction":"inbound","partner":"{partner}","impact":"falls_back_to_cleartext",
                "sessions":1,"messages":0,"weak_cipher":0,"hosts":1,"example_host":"",
                "mail_domains":[],"ciphers":[],"first_seen":null,"last_seen":null,
                "affected_hosts":["mx.{partner}"]}}"#
        );
        serde_json::from_str(&json).unwrap()
    }

    #[test]
    fn at_risk_lists_the_worst_and_counts_the_rest() {
        let report = Report {
            policy: Default::default(),
            stats: Stats::default(),
            partners: ["a.example", "b.example", "c.example"]
                .map(falls_back)
                .to_vec(),
            servers: Vec::new(),
            problems: Vec::new(),
            warnings: Vec::new(),
            days: Vec::new(),
            partner_days: Vec::new(),
        };
        let writer = TerminalWriter {
            at_risk_shown: 2,
            ..TerminalWriter::default()
        };
        let mut out = Vec::new();
        writer.at_risk(&report, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("PARTNERS AT RISK: 3 of 3"), "{text}");
        assert!(text.contains(" ... and 1 more partners at risk"), "{text}");
        assert!(text.contains("inbound b.example: below TLS 1.1 from mx.b.example"));
        assert!(!text.contains("c.example"), "{text}");
    }
}
