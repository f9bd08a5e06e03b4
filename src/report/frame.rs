//! The only polars code: the aggregate cells as a table, and the partner table computed
//! from it (group-by per partner, outcome sums, impact class), written into the partner
//! rows, which are then put worst first.
//! It never sees a row of a log: its input is the compact aggregate, so its cost does not
//! grow with the size of the logs.

use polars::prelude::*;

use super::columns::{sessions_when, take_times, take_u64s, u64s};
use crate::collect::{Counts, NamedCell};
use crate::outcome::Outcome;
use crate::partner::Direction;
use crate::report::model::{Impact, PartnerRow};
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
        self.outcome.push(Outcome::of(outcome).column().to_string());
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
        self.first.push(counts.first());
        self.last.push(counts.last());
    }

    /// The cells as a polars frame, typed for other tools: days as `Date`, first and last
    /// seen as UTC timestamps in ms, counts as `UInt64`.
    pub fn into_frame(self) -> PolarsResult<DataFrame> {
        let utc = DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC));
        let mut df = df!(
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
        )?;
        for (name, dtype) in [
            ("day", DataType::Date),
            ("first", utc.clone()),
            ("last", utc),
        ] {
            let typed = df.column(name)?.cast(&dtype)?;
            df.with_column(typed)?;
        }
        Ok(df)
    }
}

/// The cells as the partner table needs them: partners and remote addresses as ids, so
/// the frame holds numbers rather than a copy of every name per cell. Partner ids are
/// given in report order of their (direction, name), so ordering by id is ordering by
/// direction and name. Columns with gaps and flags are polars builders, not vectors of
/// `Option`s and `bool`s: a million cells are not copied into arrow arrays at twice
/// their size, and a flag is a bit.
pub struct PartnerCells {
    partner: Vec<u32>,
    /// Some cell came before one of a smaller partner id: the partner column is not
    /// sorted, and the group-by must hash it.
    unsorted: bool,
    remote: PrimitiveChunkedBuilder<UInt32Type>,
    /// The outcome's index in [`Outcome::ALL`] (polars here has no 8-bit integers).
    outcome: Vec<u32>,
    rank: PrimitiveChunkedBuilder<Int32Type>,
    sessions: Vec<u64>,
    messages: Vec<u64>,
    weak: Vec<u64>,
    first: PrimitiveChunkedBuilder<Int64Type>,
    last: PrimitiveChunkedBuilder<Int64Type>,
    required: BooleanChunkedBuilder,
    no_fallback: BooleanChunkedBuilder,
    authenticated: BooleanChunkedBuilder,
    cipher_refused: BooleanChunkedBuilder,
}

/// What decides a cell's impact beyond its counts.
#[derive(Debug, Clone, Copy, Default)]
pub struct CellFlags {
    /// The partner is covered by `--require-tls`, or the cell's sessions required TLS.
    pub required: bool,
    /// The partner's failed handshakes show that it does not fall back to cleartext
    /// ([`crate::report::Retries::no_fallback`]): refused, its mail stops.
    pub no_fallback: bool,
    /// The sessions authenticated: refused, they cannot fall back to cleartext.
    pub authenticated: bool,
    /// The sessions used a cipher `--disable-cipher` switches off: refused whatever their
    /// version (decided in `build`, where the cipher names are; the table sees a flag).
    pub cipher_refused: bool,
}

impl PartnerCells {
    /// Room for `n` cells: a million cells' columns are not copied as they grow.
    pub fn with_capacity(n: usize) -> PartnerCells {
        PartnerCells {
            partner: Vec::with_capacity(n),
            unsorted: false,
            remote: PrimitiveChunkedBuilder::new("remote".into(), n),
            outcome: Vec::with_capacity(n),
            rank: PrimitiveChunkedBuilder::new("rank".into(), n),
            sessions: Vec::with_capacity(n),
            messages: Vec::with_capacity(n),
            weak: Vec::with_capacity(n),
            first: PrimitiveChunkedBuilder::new("first".into(), n),
            last: PrimitiveChunkedBuilder::new("last".into(), n),
            required: BooleanChunkedBuilder::new("required".into(), n),
            no_fallback: BooleanChunkedBuilder::new("no_fallback".into(), n),
            authenticated: BooleanChunkedBuilder::new("authenticated".into(), n),
            cipher_refused: BooleanChunkedBuilder::new("cipher_refused".into(), n),
        }
    }

    /// A cell of `partner`.
    pub fn push(
        &mut self,
        partner: u32,
        remote: Option<u32>,
        outcome: &TlsOutcome,
        counts: &Counts,
        flags: CellFlags,
    ) {
        self.required.append_value(flags.required);
        self.no_fallback.append_value(flags.no_fallback);
        self.authenticated.append_value(flags.authenticated);
        self.cipher_refused.append_value(flags.cipher_refused);
        self.unsorted |= self.partner.last().is_some_and(|&last| last > partner);
        self.partner.push(partner);
        self.remote.append_option(remote);
        self.outcome.push(Outcome::of(outcome) as u32);
        self.rank.append_option(rank(outcome));
        self.sessions.push(counts.sessions);
        self.messages.push(counts.messages);
        self.weak.push(counts.weak);
        self.first.append_option(counts.first());
        self.last.append_option(counts.last());
    }

    /// The cells as `(offset, len)` runs of about `size` cells that end where a partner
    /// does; one run of all cells when they are not in partner order.
    fn batches(&self, size: usize) -> Vec<(usize, usize)> {
        let mut runs = Vec::new();
        let (mut start, n) = (0, self.partner.len());
        while start < n {
            let mut end = if self.unsorted {
                n
            } else {
                (start + size).min(n)
            };
            while end < n && self.partner[end] == self.partner[end - 1] {
                end += 1;
            }
            runs.push((start, end - start));
            start = end;
        }
        runs
    }

    fn into_frame(self) -> PolarsResult<DataFrame> {
        let (unsorted, height) = (self.unsorted, self.partner.len());
        let mut df = DataFrame::new(
            height,
            vec![
                Column::new("partner".into(), self.partner),
                self.remote.finish().into_column(),
                Column::new("outcome".into(), self.outcome),
                self.rank.finish().into_column(),
                Column::new("sessions".into(), self.sessions),
                Column::new("messages".into(), self.messages),
                Column::new("weak".into(), self.weak),
                self.first.finish().into_column(),
                self.last.finish().into_column(),
                self.required.finish().into_column(),
                self.no_fallback.finish().into_column(),
                self.authenticated.finish().into_column(),
                self.cipher_refused.finish().into_column(),
            ],
        )?;
        if !unsorted {
            // Pushed in partner order: polars groups sorted keys as slices.
            df.apply("partner", |c| {
                let mut c = c.clone();
                c.set_sorted_flag(polars::series::IsSorted::Ascending);
                c
            })?;
        }
        Ok(df)
    }
}

/// The partner table's order, and the one total a row does not show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableOrder {
    /// The ids of the partners with cells (as given to [`PartnerCells::push`]), worst
    /// first: the report's order.
    pub partners: Vec<u32>,
    /// Authenticated sessions the policy refuses (AUTH needs TLS), per partner in that
    /// order: a reason mail stops, told in the row's evidence.
    pub auth_refused: Vec<u64>,
}

/// A class as a literal of the table: its code.
fn class(impact: Impact) -> Expr {
    lit(u32::from(impact.code()))
}

/// The impact class's code, as an expression over the aggregated counts. Nested `when`s
/// rather than `and`/`or`: polars answers a boolean operation on an all-false side with an
/// 8 MB shared zero buffer, which would cost every run 8 MB of memory.
fn impact_expr() -> Expr {
    let (ok, old) = (col("tls_allowed"), col("tls_refused"));
    let by_counts = when(ok.eq(lit(0)))
        .then(
            when(old.clone().gt(lit(0)))
                .then(class(Impact::FallsBackToCleartext))
                .when(col(Outcome::TlsFailed.column()).gt(lit(0)))
                .then(class(Impact::TlsFailing))
                .when(col(Outcome::TlsUnknown.column()).gt(lit(0)))
                .then(class(Impact::Unknown))
                .when(col(Outcome::Cleartext.column()).gt(lit(0)))
                .then(class(Impact::CleartextOnly))
                .otherwise(class(Impact::NoEvidence)),
        )
        .otherwise(
            when(old.clone().gt(lit(0)))
                .then(class(Impact::PartiallyAffected))
                .otherwise(class(Impact::Unaffected)),
        );
    // TLS-required partners that would be affected (falls back or partially: both are
    // "some sessions refused") queue instead of falling back, as do partners whose failed
    // handshakes show they do not fall back; so do authenticated sessions at a refused
    // version (Exchange refuses AUTH without TLS by default).
    let stops = when(old.gt(lit(0)))
        .then(class(Impact::MailStops))
        .otherwise(by_counts.clone());
    let required = when(col("required"))
        .then(stops.clone())
        .when(col("no_fallback"))
        .then(stops)
        .otherwise(by_counts);
    when(col("auth_refused").gt(lit(0)))
        .then(class(Impact::MailStops))
        .otherwise(required)
}

/// The outcomes whose sessions the impact class reads: split into columns of the cells
/// for it. A partner's sessions per outcome come from [`outcome_frame`].
const CLASSIFYING: [Outcome; 3] = [Outcome::TlsFailed, Outcome::TlsUnknown, Outcome::Cleartext];

/// Sessions per (partner, outcome), as a long table: eleven outcome columns on every cell
/// of a million would take more memory than the cells themselves.
fn outcome_frame(cells: DataFrame) -> PolarsResult<DataFrame> {
    cells
        .lazy()
        .group_by([col("partner"), col("outcome")])
        .agg([col("sessions").sum()])
        .collect()
}

/// Group the cells per partner and classify. Not ordered here: sorting would copy every
/// column of a million partners, and [`partner_table`] orders their ids instead.
pub fn partner_frame(cells: DataFrame, min: MinTls) -> PolarsResult<DataFrame> {
    // Outcome counts as columns of the cells first, then plain sums per group: a
    // filtered aggregation would build index lists per group and per column.
    // A session is refused below the minimum or with a disabled cipher; nested `when`s
    // for the reason given at `impact_expr`.
    let (rank, min) = (col("rank"), lit(i32::from(min.rank())));
    let refused = when(col("cipher_refused"))
        .then(col("sessions"))
        .otherwise(sessions_when(rank.clone().lt(min.clone())));
    let mut split = vec![
        when(col("cipher_refused"))
            .then(lit(0u64))
            .otherwise(sessions_when(rank.gt_eq(min)))
            .alias("tls_allowed"),
        refused.clone().alias("tls_refused"),
        when(col("authenticated"))
            .then(refused)
            .otherwise(lit(0u64))
            .alias("auth_refused"),
    ];
    for o in CLASSIFYING {
        split.push(sessions_when(col("outcome").eq(lit(o as u32))).alias(o.column()));
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
        col("auth_refused").sum(),
        col("required").max(),
        col("no_fallback").max(),
    ];
    aggs.extend(CLASSIFYING.iter().map(|o| col(o.column()).sum()));
    cells
        .lazy()
        .with_columns(split)
        .group_by([col("partner")])
        .agg(aggs)
        .with_column(impact_expr().alias("impact"))
        .collect()
}

/// The impact classes of the table's codes; a code no class has is an error.
fn impacts(df: &DataFrame) -> PolarsResult<Vec<Impact>> {
    (u64s(df, "impact")?.into_iter())
        .map(|code| {
            u8::try_from(code)
                .ok()
                .and_then(Impact::from_code)
                .ok_or_else(|| polars_err!(ComputeError: "impact code {code}"))
        })
        .collect()
}

/// Cells per polars pass, about: a million partners' aggregates are built
/// 65,536 cells at a time, so the table's temporaries do not grow with the partners (at
/// a quarter of a million they were the run's peak, 35-50 MB above the rows).
const BATCH_CELLS: usize = 1 << 16;

/// Each partner's totals and impact, written into `rows` (by partner id), and the
/// partners' order, worst first. The cells go through polars in batches of whole
/// partners (a partner's cells are never split: its distinct hosts are counted in one
/// group), each batch's totals read into the rows before the next is built.
pub fn partner_table(
    cells: PartnerCells,
    min: MinTls,
    rows: &mut [PartnerRow],
) -> PolarsResult<TableOrder> {
    partner_table_in(cells, min, rows, BATCH_CELLS)
}

/// [`partner_table`] in batches of about `batch` cells.
fn partner_table_in(
    cells: PartnerCells,
    min: MinTls,
    rows: &mut [PartnerRow],
    batch: usize,
) -> PolarsResult<TableOrder> {
    let batches = cells.batches(batch);
    let cells = cells.into_frame()?;
    let mut partners = Vec::new();
    for (offset, len) in batches {
        let batch = cells.slice(offset as i64, len);
        partners.extend(batch_totals(batch, min, rows)?);
    }
    Ok(worst_first(partners, rows))
}

/// One batch's totals and impact, written into `rows`; its partners with their refused
/// authenticated sessions. The totals are filled column by column, each column dropped
/// from the frame once read.
fn batch_totals(
    cells: DataFrame,
    min: MinTls,
    rows: &mut [PartnerRow],
) -> PolarsResult<Vec<(u32, u64)>> {
    fill_outcomes(outcome_frame(cells.clone())?, rows)?;
    let mut df = partner_frame(cells, min)?;
    let at = partner_ids(&df, rows.len())?;
    for (&p, impact) in at.iter().zip(impacts(&df)?) {
        rows[p as usize].impact = impact;
    }
    for unused in [
        "impact",
        "tls_allowed",
        "tls_refused",
        "required",
        "no_fallback",
    ] {
        df.drop_in_place(unused)?;
    }
    take_u64s(&mut df, "sessions", &at, rows, |r, v| r.sessions = v)?;
    take_u64s(&mut df, "messages", &at, rows, |r, v| r.messages = v)?;
    take_u64s(&mut df, "weak_cipher", &at, rows, |r, v| r.weak_cipher = v)?;
    take_u64s(&mut df, "hosts", &at, rows, |r, v| r.hosts = v)?;
    take_times(&mut df, "first", &at, rows, |r, v| r.first_seen = v)?;
    take_times(&mut df, "last", &at, rows, |r, v| r.last_seen = v)?;
    let auth_refused = u64s(&df, "auth_refused")?;
    Ok(at.into_iter().zip(auth_refused).collect())
}

/// Each partner's sessions per outcome, from the long table of [`outcome_frame`].
fn fill_outcomes(df: DataFrame, rows: &mut [PartnerRow]) -> PolarsResult<()> {
    let at = partner_ids(&df, rows.len())?;
    let outcomes = (u64s(&df, "outcome")?.into_iter())
        .map(|code| {
            (Outcome::ALL.get(code as usize).copied())
                .ok_or_else(|| polars_err!(ComputeError: "outcome code {code}"))
        })
        .collect::<PolarsResult<Vec<Outcome>>>()?;
    let sessions = u64s(&df, "sessions")?;
    for ((p, o), n) in at.into_iter().zip(outcomes).zip(sessions) {
        rows[p as usize].outcomes[o] += n;
    }
    Ok(())
}

/// The table's partners worst first (the class's declaration order), then busiest, then
/// by partner id, so that the order is total and the same for any `-j`.
fn worst_first(mut partners: Vec<(u32, u64)>, rows: &[PartnerRow]) -> TableOrder {
    partners.sort_unstable_by_key(|&(p, _)| {
        let row = &rows[p as usize];
        (row.impact, std::cmp::Reverse(row.sessions), p)
    });
    let (partners, auth_refused) = partners.into_iter().unzip();
    TableOrder {
        partners,
        auth_refused,
    }
}

/// The table's partner ids, each checked to have its row among `rows` of them.
fn partner_ids(df: &DataFrame, rows: usize) -> PolarsResult<Vec<u32>> {
    (u64s(df, "partner")?.into_iter())
        .map(|p| {
            u32::try_from(p)
                .ok()
                .filter(|&p| (p as usize) < rows)
                .ok_or_else(|| polars_err!(ComputeError: "partner {p} has no row"))
        })
        .collect()
}

/// Writes the aggregate cells as Parquet, for BI tools and later analysis.
pub fn write_parquet(flat: FlatRows, out: &mut dyn std::io::Write) -> PolarsResult<()> {
    let mut df = flat.into_frame()?;
    polars_io::parquet::write::ParquetWriter::new(out).finish(&mut df)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::{Cipher, Protocol};

    fn tls(p: Protocol) -> TlsOutcome {
        TlsOutcome::Negotiated(p, Cipher::default())
    }

    /// One cell per (partner, outcome, flags), one session each.
    fn table(cells: &[(u32, TlsOutcome, CellFlags)]) -> Vec<(u32, Impact)> {
        let mut c = PartnerCells::with_capacity(0);
        for (partner, outcome, flags) in cells {
            let counts = Counts::new(1, 0, 0, None, None);
            c.push(*partner, Some(*partner), outcome, &counts, *flags);
        }
        let mut rows = blank_rows(cells.len());
        let order = partner_table(c, MinTls::Tls11, &mut rows).unwrap();
        (order.partners.iter())
            .map(|&p| (p, rows[p as usize].impact))
            .collect()
    }

    fn blank_rows(n: usize) -> Vec<PartnerRow> {
        let row = PartnerRow::new(Direction::Inbound, String::new());
        vec![row; n]
    }

    /// Cells pushed in partner order take polars' sorted group-by; any other order the
    /// hashed one. Both must give the same table.
    #[test]
    fn partner_order_and_any_order_give_the_same_table() {
        let cells: Vec<(u32, Option<u32>, TlsOutcome, u64)> = vec![
            (0, Some(7), tls(Protocol::Tls12), 3),
            (0, Some(8), tls(Protocol::Tls10), 1),
            (1, None, TlsOutcome::Cleartext, 2),
            (2, Some(9), TlsOutcome::Failed, 1),
            (2, Some(9), tls(Protocol::Tls13), 5),
            (3, Some(7), TlsOutcome::NoConversation, 1),
        ];
        let totals = |order: &mut dyn Iterator<Item = &(u32, Option<u32>, TlsOutcome, u64)>| {
            let mut c = PartnerCells::with_capacity(0);
            for (partner, remote, outcome, sessions) in order {
                let counts = Counts::new(*sessions, 0, 0, None, None);
                c.push(*partner, *remote, outcome, &counts, CellFlags::default());
            }
            let sorted = !c.unsorted;
            let mut rows = blank_rows(4);
            let order = partner_table(c, MinTls::Tls11, &mut rows).unwrap();
            (sorted, (order, rows))
        };
        let (sorted, in_order) = totals(&mut cells.iter());
        let (reversed_sorted, reversed) = totals(&mut cells.iter().rev());
        assert!(sorted && !reversed_sorted);
        assert_eq!(in_order, reversed);
        let (order, rows) = in_order;
        let hosts: Vec<(u32, u64, u64)> = (order.partners.iter())
            .map(|&p| (p, rows[p as usize].sessions, rows[p as usize].hosts))
            .collect();
        assert_eq!(hosts, [(0, 4, 2), (1, 2, 0), (3, 1, 1), (2, 6, 1)]);
    }

    #[test]
    fn impact_rules_and_order() {
        let plain = CellFlags::default();
        let required = CellFlags {
            required: true,
            ..plain
        };
        let authenticated = CellFlags {
            authenticated: true,
            ..plain
        };
        let cipher = CellFlags {
            cipher_refused: true,
            ..plain
        };
        let no_fallback = CellFlags {
            no_fallback: true,
            ..plain
        };
        let got = table(&[
            (0, tls(Protocol::Tls10), plain),
            (1, tls(Protocol::Tls12), plain),
            (1, tls(Protocol::Tls10), plain),
            (2, TlsOutcome::Failed, plain),
            (2, TlsOutcome::Cleartext, plain),
            (3, TlsOutcome::Unknown, plain),
            (4, TlsOutcome::Cleartext, plain),
            (5, TlsOutcome::Incomplete, plain),
            (5, TlsOutcome::NoConversation, plain),
            (6, tls(Protocol::Tls13), plain),
            (7, tls(Protocol::Tls10), required),
            (8, tls(Protocol::Tls10), authenticated),
            (9, tls(Protocol::Tls12), required),
            (11, tls(Protocol::Tls12), cipher),
            (12, tls(Protocol::Tls13), plain),
            (12, tls(Protocol::Tls12), cipher),
            (10, TlsOutcome::Incomplete, plain),
            (10, TlsOutcome::Cleartext, plain),
            (13, tls(Protocol::Tls10), no_fallback),
            (14, TlsOutcome::Failed, no_fallback),
        ]);
        assert_eq!(
            got,
            [
                (7, Impact::MailStops),
                (8, Impact::MailStops),
                (13, Impact::MailStops),
                (0, Impact::FallsBackToCleartext),
                (11, Impact::FallsBackToCleartext),
                (1, Impact::PartiallyAffected),
                (12, Impact::PartiallyAffected),
                (2, Impact::TlsFailing),
                (14, Impact::TlsFailing),
                (3, Impact::Unknown),
                (10, Impact::CleartextOnly),
                (4, Impact::CleartextOnly),
                (5, Impact::NoEvidence),
                (6, Impact::Unaffected),
                (9, Impact::Unaffected),
            ]
        );
    }

    /// Cells of partners 0 0 0 1 2 2 3, two hosts for partner 0 and 2.
    fn five_partners() -> PartnerCells {
        let mut c = PartnerCells::with_capacity(0);
        let cells = [(0, 1), (0, 2), (0, 1), (1, 3), (2, 4), (2, 5), (3, 6)];
        for (i, (partner, host)) in cells.into_iter().enumerate() {
            let counts = Counts::new(1, i as u64, 0, Some(i as i64), Some(i as i64 + 1));
            let outcome = tls(if i % 2 == 0 {
                Protocol::Tls10
            } else {
                Protocol::Tls12
            });
            c.push(partner, Some(host), &outcome, &counts, CellFlags::default());
        }
        c
    }

    #[test]
    fn batches_end_where_a_partner_does() {
        let c = five_partners();
        assert_eq!(c.batches(2), vec![(0, 3), (3, 3), (6, 1)]);
        assert_eq!(c.batches(4), vec![(0, 4), (4, 3)]);
        assert_eq!(c.batches(100), vec![(0, 7)]);
    }

    #[test]
    fn a_table_in_small_batches_is_the_table_in_one() {
        let (mut one, mut small) = (blank_rows(4), blank_rows(4));
        let whole = partner_table_in(five_partners(), MinTls::Tls11, &mut one, 100).unwrap();
        let split = partner_table_in(five_partners(), MinTls::Tls11, &mut small, 2).unwrap();
        assert_eq!(whole, split);
        assert_eq!(one, small);
        assert_eq!((one[0].sessions, one[0].hosts, one[2].hosts), (3, 2, 2));
        assert_eq!((one[2].first_seen, one[2].last_seen), (Some(4), Some(6)));
    }
}
