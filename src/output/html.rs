//! The report as one self-contained HTML page (`--html`): the question, the verdict per
//! impact class, the trend day by day (SVG charts from [`super::charts`]), the partners,
//! the organisation's own servers, devices and input problems. Built with maud, which
//! escapes every interpolated string: EHLO names, mail domains and file names reach the
//! page as text. Nothing is loaded from anywhere: CSS and the little script that sorts and
//! filters the tables are inline, and the page's content security policy forbids any
//! request.

use std::io::{self, Write};

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::palette::{self, Rgb};
use super::terminal::thousands;
use super::{charts, Document, Writer};
use crate::check::Verdict;
use crate::outcome::Outcome;
use crate::parse::time::{format_millis, Millis};
use crate::partner::Direction;
use crate::report::days::DIRECTIONS;
use crate::report::{Impact, PartnerRow, Report};

pub struct HtmlWriter;

impl Writer for HtmlWriter {
    fn write(&self, doc: &Document, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(page(doc).into_string().as_bytes())
    }
}

/// Screen and print styles. Print: A4, rows never split, table heads repeated.
const CSS: &str = include_str!("html.css");

/// Sorting (click a column head) and filtering (text, impact class) of the tables.
const SCRIPT: &str = include_str!("html.js");

/// No request of any kind: the page must open offline and never call out.
const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

fn page(doc: &Document) -> Markup {
    let r = doc.report;
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(CSP);
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "smtptls: " (r.policy.switched_off()) " switched off" }
                style { (PreEscaped(CSS)) }
            }
            body {
                main {
                    (question(r))
                    (verdict(r, doc.verdict))
                    (trend(r))
                    (partners(r))
                    (own(r))
                    (problems(r))
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
}

/// What a class means for the mail, and what to do.
fn advice(i: Impact) -> &'static str {
    match i {
        Impact::MailStops => {
            "TLS is required, or the partner was seen not to retry: mail would queue. Fix before the change."
        }
        Impact::FallsBackToCleartext => {
            "Never negotiated an allowed version: mail would go in cleartext. Contact them."
        }
        Impact::PartiallyAffected => "Some hosts use an old version: contact them about those.",
        Impact::TlsFailing => "TLS already fails today: unrelated to the change.",
        Impact::Unknown => "TLS version not logged: upgrade logging and re-run.",
        Impact::CleartextOnly => "Never attempts TLS: nothing changes.",
        Impact::NoEvidence => "No session shows what TLS did: nothing to do.",
        Impact::Unaffected => "Every TLS session at an allowed version: nothing changes.",
    }
}

fn swatch(c: Rgb) -> Markup {
    html! { span.swatch style=(format!("background:{}", c.hex())) {} }
}

fn badge(i: Impact) -> Markup {
    let c = palette::impact(i);
    let style = format!("background:{};color:{}", c.hex(), c.ink().hex());
    html! { span.badge style=(style) { (i.as_str()) } }
}

/// A number cell: sorted by its value, shown with separators.
fn num(n: u64) -> Markup {
    html! { td.num data-sort=(n) { (thousands(n)) } }
}

/// A timestamp cell: `2026-11-25 14:02` shown, the full ISO 8601 time in its title and
/// sorted by it.
fn when(t: Option<Millis>) -> Markup {
    let t = t.map(format_millis).unwrap_or_default();
    let t = t.as_str();
    let shown = t.get(..16).unwrap_or(t).replacen('T', " ", 1);
    html! { td.when title=(t) { (shown) } }
}

/// The question asked, the period covered and what was read.
fn question(r: &Report) -> Markup {
    let p = &r.policy;
    let s = &r.stats;
    let required = if p.require_tls.is_empty() {
        "none".to_string()
    } else {
        p.require_tls.join(", ")
    };
    let mut servers: Vec<&str> = r.servers.iter().map(|s| s.server.as_str()).collect();
    servers.dedup();
    let disabled: Vec<&str> = p.disable_cipher.iter().map(|c| c.as_str()).collect();
    html! {
        header {
            h1 { "What happens to your mail if " (p.switched_off()) " is switched off" }
            dl.facts {
                dt { "Minimum version" } dd { "TLS " (p.min_tls.as_str()) }
                @if !p.disable_cipher.is_empty() {
                    dt { "Ciphers switched off" } dd { (disabled.join(", ")) }
                }
                dt { "TLS required for" } dd { (required) }
                dt { "Period" } dd { (period(r)) }
                dt { "Servers" } dd { (servers.len()) ": " (servers.join(", ")) }
                dt { "Files" } dd {
                    (thousands(s.files_read)) " protocol logs read ("
                    (format!("{:.1}", s.bytes as f64 / 1e6)) " MB), "
                    (thousands(s.files_skipped)) " other files skipped, "
                    (thousands(s.files_unreadable)) " unreadable"
                }
                dt { "Sessions" } dd {
                    (thousands(s.sessions)) " sessions in " (thousands(s.rows)) " rows, "
                    (thousands(s.malformed_rows)) " malformed rows"
                }
            }
        }
    }
}

/// First to last day, the days without logs, and the `--since`/`--until` asked.
fn period(r: &Report) -> Markup {
    let range = r.policy.range;
    let missing = r.days.iter().filter(|d| d.missing).count();
    html! {
        @match (r.days.first(), r.days.last()) {
            (Some(first), Some(last)) => {
                (first.day) " to " (last.day) " (" (r.days.len()) " days"
                @if missing > 0 { ", " (missing) " without logs" } ")"
            }
            _ => "no dated sessions",
        }
        @if range.is_bounded() {
            " — limited to sessions starting "
            @if let Some(s) = range.since { "from " (s) " " }
            @if let Some(u) = range.until { "until " (u) }
        }
    }
}

/// One line per impact class, worst first: partners and sessions in it.
fn verdict(r: &Report, verdict: Option<&Verdict>) -> Markup {
    html! {
        section #verdict {
            h2 { "Verdict" }
            @if let Some(v) = verdict {
                @let failing = v.failing(r).len();
                p.check { "check: " (failing) " partners in a failing class (" (v.fail_on_label()) ")" }
            }
            table.verdict {
                thead { tr { th { "impact" } th.num { "partners" } th.num { "sessions" } th { "meaning" } } }
                tbody {
                    @for i in Impact::ALL {
                        @let of: Vec<_> = r.partners.iter().filter(|p| p.impact == i).collect();
                        tr class=[of.is_empty().then_some("none")] {
                            td { (badge(i)) }
                            (num(of.len() as u64))
                            (num(of.iter().map(|p| p.sessions).sum()))
                            td { (advice(i)) }
                        }
                    }
                }
            }
        }
    }
}

/// The charts per day and the table behind them.
fn trend(r: &Report) -> Markup {
    let min = r.policy.min_tls.as_str();
    // With ciphers switched off the chart counts their sessions as refused too.
    let why = if r.policy.disable_cipher.is_empty() {
        "negotiated an older version".to_string()
    } else {
        r.policy.refused_as()
    };
    let missing: Vec<String> = (r.days.iter().filter(|d| d.missing))
        .map(|d| d.day.to_string())
        .collect();
    html! {
        section #days {
            h2 { "Day by day" }
            @if r.days.is_empty() {
                p { "No dated sessions." }
            } @else {
                figure {
                    figcaption { "Sessions per day, by outcome" }
                    div.chart { (PreEscaped(charts::sessions_by_outcome(&r.days))) }
                    ul.legend { @for o in Outcome::ALL { li { (swatch(palette::outcome(o))) (o.label()) } } }
                }
                figure {
                    figcaption { "Sessions per day that TLS " (min) " would refuse (" (why) "), by direction" }
                    div.chart { (PreEscaped(charts::refused_by_direction(&r.days))) }
                    ul.legend { @for d in DIRECTIONS { li { (swatch(palette::direction(d))) (d.as_str()) } } }
                }
                @if !missing.is_empty() {
                    p.missing { "Missing (no logs, grey in the charts): " (missing.join(", ")) }
                }
                (day_table(r))
            }
        }
    }
}

fn day_table(r: &Report) -> Markup {
    html! {
        details {
            summary { "The numbers per day" }
            table #day-table.sortable.small {
                thead { tr {
                    th { "day" } th.num { "sessions" }
                    @for o in Outcome::ALL { th.num { (o.column()) } }
                    @for d in DIRECTIONS { th.num { "refused " (d.as_str()) } }
                } }
                tbody {
                    @for d in &r.days {
                        @if d.missing {
                            tr.missing data-day=(d.day) { td { (d.day) } td colspan=(1 + Outcome::COUNT + DIRECTIONS.len()) { "missing" } }
                        } @else {
                            tr data-day=(d.day) data-sessions=(d.sessions) {
                                td { (d.day) } (num(d.sessions))
                                @for (_, n) in d.outcomes.iter() { (num(n)) }
                                @for dir in DIRECTIONS { (num(d.refused.get(dir))) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The partners at risk as the terminal shows them, then every partner.
fn partners(r: &Report) -> Markup {
    let at_risk: Vec<&PartnerRow> = (r.at_risk())
        .filter(|p| p.direction != Direction::Client)
        .collect();
    let refused = r.policy.refused_as();
    html! {
        section #at-risk {
            h2 { "Partners at risk (" (at_risk.len()) ")" }
            @if at_risk.is_empty() {
                p { "No partner is at risk." }
            } @else {
                (risk_table(&at_risk, &refused))
            }
        }
        section #all {
            h2 { "Every partner (" (r.partners.len()) ")" }
            div.controls {
                input #filter type="search" placeholder="filter by text" aria-label="filter by text";
                select #impact-filter aria-label="filter by impact" {
                    option value="" { "every impact" }
                    @for i in Impact::ALL { option value=(i.as_str()) { (i.as_str()) } }
                }
            }
            (partner_table("partners", r.partners.iter()))
        }
    }
}

/// At-risk partners with the hosts that would be refused.
fn risk_table(rows: &[&PartnerRow], refused: &str) -> Markup {
    html! {
        table.sortable {
            thead { tr {
                th { "impact" } th { "direction" } th { "partner" } th.num { "sessions" }
                th.num { "hosts" } th { "TLS seen" } th { (refused) " from" }
                th { "after a failed handshake" }
            } }
            tbody {
                @for p in rows {
                    tr {
                        td data-sort=(p.impact.code()) { (badge(p.impact)) }
                        td { (p.direction.as_str()) } td.name { (p.partner) }
                        (num(p.sessions)) (num(p.hosts))
                        td.seen { (p.outcomes.summary()) } td.name { (p.detail.get().affected_hosts.join(", ")) }
                        td.evidence { (p.detail.get().evidence) }
                    }
                }
            }
        }
    }
}

/// Partners, sortable by any column; `id` names the table for the filters.
fn partner_table<'a>(id: &str, rows: impl Iterator<Item = &'a PartnerRow>) -> Markup {
    html! {
        div.scroll { table.sortable id=(id) {
            thead { tr {
                th { "impact" } th { "direction" } th { "partner" } th.num { "sessions" }
                th.num { "messages" } th.num { "hosts" } th { "TLS seen" } th { "example host" }
                th { "mail domains" } th { "first seen" } th { "last seen" }
            } }
            tbody {
                @for p in rows {
                    tr data-impact=(p.impact.as_str()) {
                        td data-sort=(p.impact.code()) { (badge(p.impact)) }
                        td { (p.direction.as_str()) } td.name { (p.partner) }
                        (num(p.sessions)) (num(p.messages)) (num(p.hosts))
                        td.seen { (p.outcomes.summary()) } td.name { (p.example_host) }
                        td.name { (p.detail.get().mail_domains.join(", ")) }
                        (when(p.first_seen))
                        (when(p.last_seen))
                    }
                }
            }
        } }
    }
}

/// The organisation's servers, the hops between them, and its devices and applications.
fn own(r: &Report) -> Markup {
    let of = |d: Direction| r.partners.iter().filter(move |p| p.direction == d);
    html! {
        section #servers {
            h2 { "Your servers (sessions in their own logs)" }
            table.sortable {
                thead { tr { th { "server" } th { "log" } th.num { "sessions" } th { "TLS seen" } th { "ready" } } }
                tbody {
                    @for s in &r.servers {
                        tr { td.name { (s.server) } td { (s.log.as_str()) } (num(s.sessions)) td.seen { (s.outcomes.summary()) } td { (ready(s.ready)) } }
                    }
                }
            }
        }
        section #internal {
            h2 { "Internal hops (between your own servers)" }
            (partner_table("internal-hops", of(Direction::Internal)))
        }
        section #clients {
            h2 { "Your devices and applications" }
            (partner_table("clients-table", of(Direction::Client)))
        }
    }
}

/// A server's readiness: not known without a TLS session of a logged version.
fn ready(ready: Option<bool>) -> &'static str {
    match ready {
        Some(true) => "yes",
        Some(false) => "NOT READY",
        None => "not known",
    }
}

/// What was wrong with the input, `file:line: problem`.
fn problems(r: &Report) -> Markup {
    let shown = r.problems.len() as u64;
    html! {
        section #problems {
            h2 { "Input problems" }
            @if r.problems.is_empty() && r.warnings.is_empty() {
                p { "None." }
            }
            ul.problems {
                @for w in &r.warnings { li { (w) } }
                @for p in &r.problems { li { (p.file) ":" (p.line) ": " (p.problem) } }
                @if r.stats.malformed_rows > shown {
                    li { "… and " (thousands(r.stats.malformed_rows - shown)) " more malformed rows" }
                }
            }
        }
    }
}
