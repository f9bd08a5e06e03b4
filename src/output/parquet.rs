//! The aggregate table as Parquet (`--parquet`): one row per (direction, partner, host,
//! outcome, cipher, day), for BI tools and later analysis.

use std::io::{self, Write};

use super::{Document, Writer};
use crate::report::frame::{write_parquet, FlatRows};

pub struct ParquetWriter;

impl Writer for ParquetWriter {
    fn write(&self, doc: &Document, out: &mut dyn Write) -> io::Result<()> {
        let rows = doc.aggregate.cloned().unwrap_or_else(FlatRows::default);
        write_parquet(rows, out).map_err(io::Error::other)
    }
}
