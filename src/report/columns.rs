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
    let ca = s.u64()?;
    (0..ca.len())
        .map(|i| (ca.get(i)).ok_or_else(|| polars_err!(ComputeError: "{name}: no value")))
        .collect()
}
