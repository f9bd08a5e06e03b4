//! The only polars code: the aggregate cells as a table, and the partner table computed
//! from it (group-by per direction and partner, outcome sums, impact class, ordering).
//! It never sees a row of a log: its input is the compact aggregate, so its cost does not
//! grow with the size of the logs.

use std::path::Path;

use polars::prelude::*;

use crate::collect::{Counts, NamedCell};
use crate::parse::time::format_millis;
use crate::partner::Direction;
use crate::report::{Impact, PartnerRow, Versions};
use crate::tls::{MinTls, TlsOutcome};

/// The protocol's rank (newer is higher), `None` for outcomes without a known version.
fn rank(outcome: &TlsOutcome) -> Option<i32> {
    match outcome {
        TlsOutcome::Negotiated(p, _) => p.rank().map(i32::from),
        _ => None,
    }
}

/// The aggregate cells, column by column, with direction and partner resolved.
#[derive(Debug, Clone, Default)]
pub struct FlatRows {
    direction: Vec<&'static str>,
    partner: Vec<String>,
    remote: Vec<Option<String>>,
    host: Vec<Option<String>>,
    outcome: Vec<String>,
    rank: Vec<Option<i32>>,
    cipher: Vec<Option<String>>,
    day: Vec<Option<i32>>,
    sessions: Vec<u64>,
    messages: Vec<u64>,
    weak: Vec<u64>,
    first: Vec<Option<i64>>,
    last: Vec<Option<i64>>,
}

impl FlatRows {
    pub fn push(&mut self, direction: Direction, partner: &str, remote: &str, cell: &NamedCell) {
        let (outcome, counts) = (cell.outcome, &cell.counts);
        self.direction.push(direction.as_str());
        self.partner.push(partner.to_string());
        self.remote
            .push(Some(remote.to_string()).filter(|r| !r.is_empty()));
        self.host
            .push(cell.peer.host.as_deref().map(str::to_string));
        self.outcome.push(outcome.column().to_string());
        self.rank.push(rank(outcome));
        let cipher = match outcome {
            TlsOutcome::Negotiated(_, c) => Some(c.label()),
            _ => None,
        };
        self.cipher.push(cipher);
        self.day.push(cell.day);
        self.sessions.push(counts.sessions);
        self.messages.push(counts.messages);
        self.weak.push(counts.weak);
        self.first.push(counts.first);
        self.last.push(counts.last);
    }

    /// The cells as a polars frame.
    pub fn into_frame(self) -> PolarsResult<DataFrame> {
        df!(
            "direction" => self.direction,
            "partner" => self.partner,
            "remote" => self.remote,
            "host" => self.host,
            "outcome" => self.outcome,
            "rank" => self.rank,
            "cipher" => self.cipher,
            "day" => self.day,
            "sessions" => self.sessions,
            "messages" => self.messages,
            "weak" => self.weak,
            "first" => self.first,
            "last" => self.last,
        )
    }
}

/// The cells as the partner table needs them: partners and remote addresses as ids, so
/// the frame holds numbers rather than a copy of every name per cell. Partner ids are
/// given in name order, so ordering by id is ordering by name.
#[derive(Default)]
pub struct PartnerCells {
    direction: Vec<&'static str>,
    partner: Vec<u32>,
    remote: Vec<Option<u32>>,
    outcome: Vec<&'static str>,
    rank: Vec<Option<i32>>,
    sessions: Vec<u64>,
    messages: Vec<u64>,
    weak: Vec<u64>,
    first: Vec<Option<i64>>,
    last: Vec<Option<i64>>,
    required: Vec<bool>,
}

impl PartnerCells {
    /// A cell of `partner`; `required`: the partner is covered by `--require-tls`.
    pub fn push(
        &mut self,
        direction: Direction,
        partner: u32,
        remote: Option<u32>,
        outcome: &TlsOutcome,
        counts: &Counts,
        required: bool,
    ) {
        self.required.push(required);
        self.direction.push(direction.as_str());
        self.partner.push(partner);
        self.remote.push(remote);
        self.outcome.push(outcome.column());
        self.rank.push(rank(outcome));
        self.sessions.push(counts.sessions);
        self.messages.push(counts.messages);
        self.weak.push(counts.weak);
        self.first.push(counts.first);
        self.last.push(counts.last);
    }

    fn into_frame(self) -> PolarsResult<DataFrame> {
        df!(
            "direction" => self.direction,
            "partner" => self.partner,
            "remote" => self.remote,
            "outcome" => self.outcome,
            "rank" => self.rank,
            "sessions" => self.sessions,
            "messages" => self.messages,
            "weak" => self.weak,
            "first" => self.first,
            "last" => self.last,
            "required" => self.required,
        )
    }
}

/// The sessions of a cell when `pred` holds for it, else 0 (null counts as false).
fn sessions_when(pred: Expr) -> Expr {
    when(pred).then(col("sessions")).otherwise(lit(0u64))
}

/// The impact class, as an expression over the aggregated counts. Nested `when`s rather
/// than `and`/`or`: polars answers a boolean operation on an all-false side with an 8 MB
/// shared zero buffer, which would cost every run 8 MB of memory.
fn impact_expr() -> Expr {
    let (ok, old) = (col("tls_allowed"), col("tls_refused"));
    let class = when(ok.eq(lit(0)))
        .then(
            when(old.clone().gt(lit(0)))
                .then(lit(Impact::FallsBackToCleartext.as_str()))
                .when(col("tls_failed").gt(lit(0)))
                .then(lit(Impact::TlsFailing.as_str()))
                .when(col("tls_unknown").gt(lit(0)))
                .then(lit(Impact::Unknown.as_str()))
                .otherwise(lit(Impact::CleartextOnly.as_str())),
        )
        .otherwise(
            when(old.clone().gt(lit(0)))
                .then(lit(Impact::PartiallyAffected.as_str()))
                .otherwise(lit(Impact::Unaffected.as_str())),
        );
    // TLS-required partners that would be affected (falls back or partially: both are
    // "some sessions refused") queue instead of falling back.
    when(col("required"))
        .then(
            when(old.gt(lit(0)))
                .then(lit(Impact::MailStops.as_str()))
                .otherwise(class.clone()),
        )
        .otherwise(class)
}

fn severity_expr() -> Expr {
    let is = |i: usize| col("impact").eq(lit(Impact::ALL[i].as_str()));
    when(is(0))
        .then(lit(0i32))
        .when(is(1))
        .then(lit(1i32))
        .when(is(2))
        .then(lit(2i32))
        .when(is(3))
        .then(lit(3i32))
        .when(is(4))
        .then(lit(4i32))
        .when(is(5))
        .then(lit(5i32))
        .otherwise(lit(6i32))
}

/// Group the cells per (direction, partner), classify, and order worst first.
pub fn partner_frame(cells: DataFrame, min: MinTls) -> PolarsResult<DataFrame> {
    // Outcome counts as columns of the cells first, then plain sums per group: a
    // filtered aggregation would build index lists per group and per column.
    let rank = col("rank");
    let mut split = vec![
        sessions_when(rank.clone().gt_eq(lit(i32::from(min.rank())))).alias("tls_allowed"),
        sessions_when(rank.lt(lit(i32::from(min.rank())))).alias("tls_refused"),
    ];
    for c in Versions::COLUMNS {
        split.push(sessions_when(col("outcome").eq(lit(c))).alias(c));
    }
    let mut aggs = vec![
        col("sessions").sum().alias("sessions"),
        col("messages").sum().alias("messages"),
        col("weak").sum().alias("weak_cipher"),
        col("remote").drop_nulls().n_unique().alias("hosts"),
        col("first").min().alias("first"),
        col("last").max().alias("last"),
        col("tls_allowed").sum(),
        col("tls_refused").sum(),
        col("required").max(),
    ];
    aggs.extend(Versions::COLUMNS.iter().map(|c| col(*c).sum()));
    cells
        .lazy()
        .with_columns(split)
        .group_by([col("direction"), col("partner")])
        .agg(aggs)
        .with_column(impact_expr().alias("impact"))
        .with_column(severity_expr().alias("severity"))
        .sort_by_exprs(
            [
                col("severity"),
                col("sessions"),
                col("direction"),
                col("partner"),
            ],
            SortMultipleOptions::default()
                .with_order_descending_multi([false, true, false, false])
                .with_maintain_order(true),
        )
        .collect()
}

fn u64s(df: &DataFrame, name: &str) -> PolarsResult<Vec<u64>> {
    let s = df.column(name)?.cast(&DataType::UInt64)?;
    let ca = s.u64()?;
    Ok((0..ca.len()).map(|i| ca.get(i).unwrap_or(0)).collect())
}

fn strs(df: &DataFrame, name: &str) -> PolarsResult<Vec<String>> {
    let ca = df.column(name)?.str()?;
    Ok((0..ca.len())
        .map(|i| ca.get(i).unwrap_or("").to_string())
        .collect())
}

fn times(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    let s = df.column(name)?.cast(&DataType::Int64)?;
    let ca = s.i64()?;
    Ok((0..ca.len())
        .map(|i| ca.get(i).map(format_millis))
        .collect())
}

/// The partner rows, worst first (strings other than the names are filled in by the
/// caller).
pub fn partner_table(
    cells: PartnerCells,
    names: &[&str],
    min: MinTls,
) -> Result<Vec<PartnerRow>, crate::Error> {
    let df = partner_frame(cells.into_frame()?, min)?;
    let direction = strs(&df, "direction")?;
    let partner: Vec<String> = {
        let ids = df.column("partner")?.u32()?;
        (0..ids.len())
            .map(|i| {
                ids.get(i)
                    .and_then(|id| names.get(id as usize))
                    .map_or_else(String::new, |n| n.to_string())
            })
            .collect()
    };
    let impact = strs(&df, "impact")?;
    let sessions = u64s(&df, "sessions")?;
    let messages = u64s(&df, "messages")?;
    let weak = u64s(&df, "weak_cipher")?;
    let hosts = u64s(&df, "hosts")?;
    let first = times(&df, "first")?;
    let last = times(&df, "last")?;
    let cols: Vec<Vec<u64>> = Versions::COLUMNS
        .iter()
        .map(|c| u64s(&df, c))
        .collect::<PolarsResult<_>>()?;
    let mut rows = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let mut versions = Versions::default();
        for (c, values) in Versions::COLUMNS.iter().zip(&cols) {
            *versions.slot(c) = values[i];
        }
        rows.push(PartnerRow {
            direction: direction[i].clone(),
            partner: partner[i].clone(),
            impact: Impact::parse(&impact[i]).unwrap_or(Impact::Unknown),
            sessions: sessions[i],
            messages: messages[i],
            versions,
            weak_cipher: weak[i],
            hosts: hosts[i],
            example_host: String::new(),
            mail_domains: Vec::new(),
            ciphers: Vec::new(),
            first_seen: first[i].clone(),
            last_seen: last[i].clone(),
            affected_hosts: Vec::new(),
        });
    }
    Ok(rows)
}

/// Writes the aggregate cells as Parquet, for BI tools and later analysis.
pub fn write_parquet(flat: FlatRows, path: &Path) -> Result<(), crate::Error> {
    let mut df = flat.into_frame()?;
    let file = std::fs::File::create(path)
        .map_err(|e| crate::Error::Output(path.display().to_string(), e))?;
    polars_io::parquet::write::ParquetWriter::new(file).finish(&mut df)?;
    Ok(())
}
