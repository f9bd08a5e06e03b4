//! A short Markdown summary for a CI job's summary page: totals, the failing partners,
//! and what changed since the baseline.

use std::io::{self, Write};

use super::{Report, Writer};

pub struct MarkdownWriter;

/// Markdown table cells: no pipes, no newlines, no HTML from log strings.
fn cell(s: &str) -> String {
    super::escape::terminal(s)
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Writer for MarkdownWriter {
    fn write(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let failing: Vec<_> = r.partners.iter().filter(|p| r.fails(p)).collect();
        writeln!(
            out,
            "## smtptls: TLS below {} switched off",
            r.min_tls.as_str()
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "{} partners, {} sessions in {} protocol log files; {} malformed rows.",
            r.partners.len(),
            r.stats.sessions,
            r.stats.files_read,
            r.stats.malformed_rows
        )?;
        writeln!(out)?;
        if failing.is_empty() {
            writeln!(
                out,
                "**No partner in a failing class** ({}).",
                r.fail_on_label()
            )?;
        } else {
            writeln!(
                out,
                "**{} partners in a failing class** ({}):",
                failing.len(),
                r.fail_on_label()
            )?;
            writeln!(out)?;
            writeln!(
                out,
                "| direction | partner | impact | sessions | hosts | TLS seen |"
            )?;
            writeln!(out, "|---|---|---|---:|---:|---|")?;
            for p in &failing {
                writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} |",
                    p.direction,
                    cell(&p.partner),
                    p.impact.as_str(),
                    p.sessions,
                    p.hosts,
                    p.versions.summary()
                )?;
            }
        }
        if let Some(d) = &r.diff {
            writeln!(out)?;
            writeln!(out, "### Since the baseline")?;
            writeln!(out)?;
            if d.is_empty() {
                writeln!(out, "No partner changed class.")?;
            }
            for (title, list) in [
                ("Newly at risk", &d.newly_at_risk),
                ("No longer at risk", &d.no_longer_at_risk),
            ] {
                if !list.is_empty() {
                    writeln!(
                        out,
                        "- {title}: {}",
                        list.iter()
                            .map(|k| format!("{} {}", k.direction, cell(&k.partner)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )?;
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
        }
        Ok(())
    }
}
