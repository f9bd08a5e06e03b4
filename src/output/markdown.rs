//! A short Markdown summary for a CI job's summary page: totals, the failing partners,
//! and what changed since the baseline.

use std::io::{self, Write};

use super::{Document, Writer};
use crate::check::{Diff, Verdict};
use crate::partner::Direction;
use crate::report::{PartnerRow, Report};

pub struct MarkdownWriter;

/// Markdown table cells: no pipes, no newlines, no HTML from log strings.
fn cell(s: &str) -> String {
    super::escape::terminal(s)
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Writer for MarkdownWriter {
    fn write(&self, doc: &Document, out: &mut dyn Write) -> io::Result<()> {
        let r = doc.report;
        // `analyze` has no verdict: the summary then judges by the default classes.
        let default = Verdict::default();
        let verdict = doc.verdict.unwrap_or(&default);
        let (clients, failing): (Vec<_>, Vec<_>) = (r.partners.iter())
            .filter(|p| verdict.fails(p))
            .partition(|p| p.direction == Direction::Client);
        totals(r, out)?;
        failing_partners(&failing, verdict, out)?;
        if !clients.is_empty() {
            writeln!(out)?;
            writeln!(out, "### Your devices and applications")?;
            writeln!(out)?;
            failing_partners(&clients, verdict, out)?;
        }
        if let Some(d) = &verdict.diff {
            since_baseline(d, out)?;
        }
        Ok(())
    }
}

fn totals(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## smtptls: {} switched off", r.policy.switched_off())?;
    writeln!(out)?;
    writeln!(
        out,
        "{} partners, {} sessions in {} protocol log files; {} malformed rows.",
        r.partners.len(),
        r.stats.sessions,
        r.stats.files_read,
        r.stats.malformed_rows
    )?;
    writeln!(out)
}

fn failing_partners(failing: &[&PartnerRow], v: &Verdict, out: &mut dyn Write) -> io::Result<()> {
    let classes = v.fail_on_label();
    if failing.is_empty() {
        return writeln!(out, "**No partner in a failing class** ({classes}).");
    }
    writeln!(
        out,
        "**{} partners in a failing class** ({classes}):",
        failing.len()
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| direction | partner | impact | sessions | hosts | TLS seen | evidence |"
    )?;
    writeln!(out, "|---|---|---|---:|---:|---|---|")?;
    for p in failing {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            p.direction,
            cell(&p.partner),
            p.impact,
            p.sessions,
            p.hosts,
            p.outcomes.summary(),
            cell(&p.detail.get().evidence)
        )?;
    }
    Ok(())
}

fn since_baseline(d: &Diff, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "### Since the baseline")?;
    writeln!(out)?;
    if d.is_empty() {
        writeln!(out, "No partner changed class.")?;
    }
    for (title, list) in [
        ("Newly at risk", &d.newly_failing),
        ("No longer at risk", &d.no_longer_failing),
    ] {
        if !list.is_empty() {
            let names: Vec<_> = (list.iter())
                .map(|k| format!("{} {}", k.direction, cell(&k.partner)))
                .collect();
            writeln!(out, "- {title}: {}", names.join(", "))?;
        }
    }
    for c in &d.changed {
        writeln!(
            out,
            "- {} {}: {} → {}",
            c.direction,
            cell(&c.partner),
            c.before.map_or("(absent)", |i| i.as_str()),
            c.after.map_or("(absent)", |i| i.as_str())
        )?;
    }
    Ok(())
}
