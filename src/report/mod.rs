//! The report stage: the typed model of a run's answer ([`model`]), built from the
//! merged aggregate ([`build`]) with the partner table computed by polars ([`frame`]) and
//! the trend per day ([`days`]).

pub mod build;
mod columns;
pub mod days;
mod evidence;
pub mod frame;
pub mod model;

pub use build::{aggregate_rows, build, covers};
pub use model::{
    DayRange, DayRow, Detail, Impact, PartnerDayRow, PartnerDetail, PartnerRow, Policy, ProblemRow,
    Report, Retries, ServerRow, DEFAULT_RETRY_WINDOW,
};
