//! The trend day by day: sessions per day by outcome and the sessions the policy would
//! refuse per direction, and per (day, partner), computed with a polars group-by over the
//! aggregate cells that kept their day; plus the `--since`/`--until` range that limits
//! which cells a report sees.

use chrono::NaiveDate;
use polars::prelude::*;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::columns::{sessions_when, u64s};
use crate::outcome::{Outcome, OutcomeCounts};
use crate::partner::Direction;

/// Every direction, in name order (the order of their columns).
pub const DIRECTIONS: [Direction; 4] = [
    Direction::Client,
    Direction::Inbound,
    Direction::Internal,
    Direction::Outbound,
];

/// Days since 1970-01-01 of 0001-01-01 counted from the common era's day 1.
const EPOCH_FROM_CE: i32 = 719_163;

/// The date of a day counted since the epoch (as cells keep it).
pub fn date_of(day: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day + EPOCH_FROM_CE).unwrap_or_default()
}

/// A date counted in days since the epoch.
pub fn day_number(date: NaiveDate) -> i32 {
    chrono::Datelike::num_days_from_ce(&date) - EPOCH_FROM_CE
}

/// `--since` / `--until`: the days (inclusive) whose sessions a report counts. In the
/// JSON policy as `YYYY-MM-DD`, only when given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRange {
    #[serde(default, skip_serializing_if = "Option::is_none", with = "date")]
    pub since: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "date")]
    pub until: Option<NaiveDate>,
}

/// `YYYY-MM-DD` in and out, without chrono's serde feature (which would rebuild polars
/// with it).
mod date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&d.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        (text.map(|t| t.parse().map_err(serde::de::Error::custom))).transpose()
    }
}

impl DayRange {
    /// Whether the range limits anything (else every cell counts, dated or not).
    pub fn is_bounded(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }

    /// Whether a cell of this day counts. A bounded range drops undated cells: nothing
    /// says they started inside it.
    pub fn contains(&self, day: Option<i32>) -> bool {
        if !self.is_bounded() {
            return true;
        }
        day.is_some_and(|d| {
            self.since.is_none_or(|s| d >= day_number(s))
                && self.until.is_none_or(|u| d <= day_number(u))
        })
    }
}

/// Sessions per direction, indexed by [`Direction`]; serialised as one key per direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DirectionCounts([u64; DIRECTIONS.len()]);

impl DirectionCounts {
    pub fn get(&self, d: Direction) -> u64 {
        self.0[DIRECTIONS.iter().position(|x| *x == d).unwrap_or(0)]
    }

    fn set(&mut self, d: Direction, n: u64) {
        self.0[DIRECTIONS.iter().position(|x| *x == d).unwrap_or(0)] = n;
    }

    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
}

impl Serialize for DirectionCounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(DIRECTIONS.len()))?;
        for d in DIRECTIONS {
            map.serialize_entry(d.as_str(), &self.get(d))?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for DirectionCounts {
    /// Unknown keys are ignored and a missing direction counts 0, as for outcomes.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Counts;
        impl<'de> Visitor<'de> for Counts {
            type Value = DirectionCounts;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of directions to counts")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut counts = DirectionCounts::default();
                while let Some(key) = map.next_key::<String>()? {
                    match DIRECTIONS.iter().find(|d| d.as_str() == key) {
                        Some(d) => counts.set(*d, map.next_value()?),
                        None => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(counts)
            }
        }
        d.deserialize_map(Counts)
    }
}

/// One day of the covered period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRow {
    pub day: NaiveDate,
    /// Inside the period, but no session started that day (no logs for it).
    pub missing: bool,
    pub sessions: u64,
    pub outcomes: OutcomeCounts,
    /// Sessions that negotiated a version below the minimum, per direction.
    pub refused: DirectionCounts,
}

/// One partner's sessions on one day (the `--by-day` CSV), by partner id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerDay {
    pub day: NaiveDate,
    pub partner: u32,
    pub sessions: u64,
    pub outcomes: OutcomeCounts,
}

/// The dated cells, column by column, as the day tables need them.
#[derive(Debug, Default)]
pub struct DayCells {
    day: Vec<i32>,
    direction: Vec<u32>,
    partner: Vec<u32>,
    outcome: Vec<u32>,
    refused: Vec<bool>,
    sessions: Vec<u64>,
}

impl DayCells {
    /// A cell's sessions: of `partner` on `day`, counted `refused` when the policy
    /// refuses its version.
    pub fn push(
        &mut self,
        day: i32,
        partner: (Direction, u32),
        outcome: Outcome,
        sessions: u64,
        refused: bool,
    ) {
        self.day.push(day);
        self.direction.push(partner.0 as u32);
        self.partner.push(partner.1);
        self.outcome.push(outcome as u32);
        self.refused.push(refused);
        self.sessions.push(sessions);
    }

    pub fn is_empty(&self) -> bool {
        self.day.is_empty()
    }

    fn into_frame(self) -> PolarsResult<DataFrame> {
        let mut df = df!(
            "day" => self.day,
            "direction" => self.direction,
            "partner" => self.partner,
            "outcome" => self.outcome,
            "refused" => self.refused,
            "sessions" => self.sessions,
        )?;
        // The outcome columns once, for both group-bys.
        let split: Vec<Expr> = (Outcome::ALL.iter())
            .map(|o| sessions_when(col("outcome").eq(lit(*o as u32))).alias(o.column()))
            .collect();
        df = df.lazy().with_columns(split).collect()?;
        Ok(df)
    }
}

/// The column of refused sessions of a direction.
fn refused_column(d: Direction) -> String {
    format!("refused_{}", d.as_str())
}

/// Per-outcome counts of row `i` of a frame holding the outcome columns.
fn outcome_counts(columns: &[Vec<u64>], i: usize) -> OutcomeCounts {
    let mut outcomes = OutcomeCounts::default();
    for (o, values) in Outcome::ALL.into_iter().zip(columns) {
        outcomes[o] = values[i];
    }
    outcomes
}

fn outcome_columns(df: &DataFrame) -> PolarsResult<Vec<Vec<u64>>> {
    (Outcome::ALL.iter())
        .map(|o| u64s(df, o.column()))
        .collect()
}

/// Sessions per day, every day from the first to the last (days without a session are
/// `missing`), and each partner's sessions per day in (day, partner id) order.
pub fn day_tables(cells: DayCells) -> PolarsResult<(Vec<DayRow>, Vec<PartnerDay>)> {
    if cells.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let df = cells.into_frame()?;
    let days = per_day(df.clone())?;
    let partners = per_partner_day(df)?;
    Ok((with_missing(days), partners))
}

/// The group-by per day, over every direction.
fn per_day(df: DataFrame) -> PolarsResult<Vec<DayRow>> {
    let mut aggs = vec![col("sessions").sum()];
    aggs.extend(Outcome::ALL.iter().map(|o| col(o.column()).sum()));
    for d in DIRECTIONS {
        let refused = when(col("refused"))
            .then(sessions_when(col("direction").eq(lit(d as u32))))
            .otherwise(lit(0u64));
        aggs.push(refused.sum().alias(refused_column(d)));
    }
    let df = (df.lazy().group_by([col("day")]).agg(aggs))
        .sort(["day"], SortMultipleOptions::default())
        .collect()?;
    let day = df.column("day")?.i32()?.clone();
    let sessions = u64s(&df, "sessions")?;
    let outcomes = outcome_columns(&df)?;
    let refused: Vec<Vec<u64>> = (DIRECTIONS.iter())
        .map(|d| u64s(&df, &refused_column(*d)))
        .collect::<PolarsResult<_>>()?;
    let rows = (0..df.height()).map(|i| {
        let mut by_direction = DirectionCounts::default();
        for (d, values) in DIRECTIONS.into_iter().zip(&refused) {
            by_direction.set(d, values[i]);
        }
        DayRow {
            day: date_of(day.get(i).unwrap_or_default()),
            missing: false,
            sessions: sessions[i],
            outcomes: outcome_counts(&outcomes, i),
            refused: by_direction,
        }
    });
    Ok(rows.collect())
}

/// The group-by per (day, partner).
fn per_partner_day(df: DataFrame) -> PolarsResult<Vec<PartnerDay>> {
    let mut aggs = vec![col("sessions").sum()];
    aggs.extend(Outcome::ALL.iter().map(|o| col(o.column()).sum()));
    let df = (df.lazy().group_by([col("day"), col("partner")]).agg(aggs))
        .sort(["day", "partner"], SortMultipleOptions::default())
        .collect()?;
    let day = df.column("day")?.i32()?.clone();
    let partner = u64s(&df, "partner")?;
    let sessions = u64s(&df, "sessions")?;
    let outcomes = outcome_columns(&df)?;
    let rows = (0..df.height()).map(|i| PartnerDay {
        day: date_of(day.get(i).unwrap_or_default()),
        partner: partner[i] as u32,
        sessions: sessions[i],
        outcomes: outcome_counts(&outcomes, i),
    });
    Ok(rows.collect())
}

/// The days between the first and the last with no session, inserted in date order.
fn with_missing(seen: Vec<DayRow>) -> Vec<DayRow> {
    let mut out: Vec<DayRow> = Vec::with_capacity(seen.len());
    for row in seen {
        if let Some(last) = out.last().map(|r| r.day) {
            for gap in last.iter_days().skip(1).take_while(|d| *d < row.day) {
                out.push(DayRow {
                    day: gap,
                    missing: true,
                    sessions: 0,
                    outcomes: OutcomeCounts::default(),
                    refused: DirectionCounts::default(),
                });
            }
        }
        out.push(row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_day_numbers_round_trip() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(date_of(day_number(d)), d);
        assert_eq!(day_number(NaiveDate::from_ymd_opt(1970, 1, 2).unwrap()), 1);
    }

    #[test]
    fn range_is_inclusive_and_drops_undated_cells_only_when_bounded() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let r = DayRange {
            since: Some(d("2026-11-25")),
            until: Some(d("2026-11-26")),
        };
        let n = |s: &str| Some(day_number(d(s)));
        assert!(r.contains(n("2026-11-25")) && r.contains(n("2026-11-26")));
        assert!(!r.contains(n("2026-11-24")) && !r.contains(n("2026-11-27")));
        assert!(!r.contains(None));
        assert!(DayRange::default().contains(None));
    }

    #[test]
    fn days_add_up_and_gaps_are_missing() {
        let mut cells = DayCells::default();
        cells.push(10, (Direction::Inbound, 0), Outcome::Tls10, 3, true);
        cells.push(10, (Direction::Client, 1), Outcome::Tls12, 2, false);
        cells.push(13, (Direction::Outbound, 0), Outcome::Tls10, 1, true);
        let (days, partners) = day_tables(cells).unwrap();
        let shape: Vec<_> = days.iter().map(|d| (d.missing, d.sessions)).collect();
        assert_eq!(shape, [(false, 5), (true, 0), (true, 0), (false, 1)]);
        assert_eq!(days[0].outcomes[Outcome::Tls10], 3);
        assert_eq!(days[0].refused.get(Direction::Inbound), 3);
        assert_eq!(days[3].refused.get(Direction::Outbound), 1);
        assert_eq!(days[0].refused.total(), 3);
        let p: Vec<_> = partners.iter().map(|p| (p.partner, p.sessions)).collect();
        assert_eq!(p, [(0, 3), (1, 2), (0, 1)]);
    }
}
