//! The machine-readable report (`--json`): the CSV's facts plus the run's totals, the
//! policy asked and the tool version. Field order is fixed and lists are sorted, so two
//! runs diff cleanly. `schema` changes only when a field changes meaning or goes away.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use super::{Document, Writer};
use crate::check::Diff;
use crate::collect::Stats;
use crate::outcome::OutcomeCounts;
use crate::report::days::DirectionCounts;
use crate::report::{DayRow, PartnerRow, Policy, ProblemRow, ServerRow};

pub const SCHEMA: u32 = 1;

/// The JSON document, as written (and as other tools read it back).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JsonReport {
    pub schema: u32,
    pub tool: String,
    pub version: String,
    pub policy: Policy,
    pub totals: Stats,
    pub partners: Vec<PartnerRow>,
    #[serde(default)]
    pub servers: Vec<ServerRow>,
    #[serde(default)]
    pub problems: Vec<ProblemRow>,
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Every day from the first to the last, in date order.
    #[serde(default)]
    pub days: Vec<JsonDay>,
    /// Present when the run was compared with a baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<Diff>,
}

impl JsonReport {
    pub fn of(doc: &Document) -> JsonReport {
        let r = doc.report;
        JsonReport {
            schema: SCHEMA,
            tool: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            policy: r.policy.clone(),
            totals: r.stats.clone(),
            partners: r.partners.clone(),
            servers: r.servers.clone(),
            problems: r.problems.clone(),
            warnings: r.warnings.clone(),
            days: r.days.iter().map(JsonDay::of).collect(),
            diff: doc.verdict.and_then(|v| v.diff.clone()),
        }
    }
}

/// A day of the period: its counts, or `missing` when no log covers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum JsonDay {
    Missing(MissingDay),
    Seen(SeenDay),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingDay {
    pub day: String,
    pub missing: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenDay {
    pub day: String,
    pub sessions: u64,
    #[serde(flatten)]
    pub outcomes: OutcomeCounts,
    /// Sessions below the minimum version, per direction.
    pub refused: DirectionCounts,
}

impl JsonDay {
    fn of(d: &DayRow) -> JsonDay {
        let day = d.day.to_string();
        if d.missing {
            return JsonDay::Missing(MissingDay { day, missing: true });
        }
        JsonDay::Seen(SeenDay {
            day,
            sessions: d.sessions,
            outcomes: d.outcomes,
            refused: d.refused,
        })
    }
}

pub struct JsonWriter;

impl Writer for JsonWriter {
    fn write(&self, doc: &Document, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &JsonReport::of(doc))?;
        writeln!(out)
    }
}
