//! Small polars helpers the report's tables share: counting a cell's sessions under a
//! condition, and reading a column back as plain numbers.

use polars::prelude::*;

/// The sessions of a cell when `pred` holds for it, else 0 (null counts as false).
pub(super) fn sessions_when(pred: Expr) -> Expr {
    when(pred).then(col("sessions")).otherwise(lit(0u64))
}

/// A column as unsigned integers; a null is an error (every aggregate is defined).
pub(super) fn u64s(df: &DataFrame, name: &str) -> PolarsResult<Vec<u64>> {
    let s = df.column(name)?.cast(&DataType::UInt64)?;
    (s.u64()?.iter())
        .map(|v| v.ok_or_else(|| polars_err!(ComputeError: "{name}: no value")))
        .collect()
}

/// Takes a column out of the frame and writes its `i`th value into row `at[i]` with
/// `set`, so a table of a million partners is never held as the frame and a copy of it
/// at once; a null is an error (every aggregate is defined). `at` holds valid row indices.
pub(super) fn take_u64s<T>(
    df: &mut DataFrame,
    name: &str,
    at: &[u32],
    rows: &mut [T],
    mut set: impl FnMut(&mut T, u64),
) -> PolarsResult<()> {
    let column = df.drop_in_place(name)?.cast(&DataType::UInt64)?;
    for (&row, value) in at.iter().zip(column.u64()?.iter()) {
        let value = value.ok_or_else(|| polars_err!(ComputeError: "{name}: no value"))?;
        set(&mut rows[row as usize], value);
    }
    Ok(())
}

/// As [`take_u64s`], for a column of optional times in milliseconds.
pub(super) fn take_times<T>(
    df: &mut DataFrame,
    name: &str,
    at: &[u32],
    rows: &mut [T],
    mut set: impl FnMut(&mut T, Option<i64>),
) -> PolarsResult<()> {
    let column = df.drop_in_place(name)?.cast(&DataType::Int64)?;
    for (&row, value) in at.iter().zip(column.i64()?.iter()) {
        set(&mut rows[row as usize], value);
    }
    Ok(())
}
