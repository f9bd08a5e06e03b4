//! Why a run could not be done: every error that ends a run with exit code 2.

use std::io;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no SMTP protocol log found in {0}")]
    NoInput(String),
    #[error("{0}: {1}")]
    Output(String, io::Error),
    #[error("refusing to write {0}: it is one of the input files")]
    OutputIsInput(String),
    #[error("building the report: {0}")]
    Table(#[from] polars::prelude::PolarsError),
    #[error("baseline {0}: {1}")]
    Baseline(String, String),
    #[error("thread pool: {0}")]
    Threads(String),
}
