//! The report stage: the typed model of a run's answer ([`model`]), built from the
//! merged aggregate ([`build`]) with the partner table computed by polars ([`frame`]).

pub mod build;
pub mod frame;
pub mod model;

pub use build::{aggregate_rows, build, covers};
pub use model::{Impact, PartnerRow, Policy, ProblemRow, Report, ServerRow};
