//! smtptls: what happens to each partner's mail if old TLS is switched off, read from
//! Exchange SMTP protocol logs.
//!
//! The pipeline, one module per stage, data flowing one way:
//! [`input`] (find files, recognise logs, split large ones) → [`parse`] and [`scan`]
//! (rows → session facts) → [`session`] (one outcome per session) → [`collect`]
//! (mergeable aggregates, stitched) → [`report`] (polars partner table, impact) →
//! [`check`] (the CI verdict) → [`output`] (terminal, CSV, JSON, Markdown, Parquet).
//! [`store`] keeps the aggregates of past runs (`--store`) beside that flow: it takes
//! each file's [`collect`] contribution and gives back one aggregate for [`report`].
//! [`run`] drives a run over them; [`config`] is what it is asked to do.

pub mod check;
pub mod collect;
pub mod config;
pub mod error;
pub mod input;
pub mod memory;
pub mod outcome;
pub mod output;
pub mod parse;
pub mod partner;
pub mod progress;
pub mod report;
pub mod run;
pub mod scan;
pub mod session;
pub mod store;
pub mod timing;
pub mod tls;

pub use config::{Config, Destination, Format};
pub use error::Error;
pub use run::{run, Status};
