//! The writers: each output format behind one trait ([`Writer`]), given the report, the
//! check's verdict when there is one, and the aggregate table when Parquet wants it.
//! Everything a stranger wrote goes through [`escape`] on its way out.

pub mod by_day;
pub mod charts;
pub mod csv;
pub mod escape;
pub mod html;
pub mod json;
pub mod markdown;
pub mod palette;
pub mod parquet;
pub mod style;
pub mod terminal;

use std::fs::File;
use std::io::{self, BufWriter, Write};

use crate::check::Verdict;
use crate::config::{Destination, Format};
use crate::error::Error;
use crate::report::frame::FlatRows;
use crate::report::Report;

/// What a writer prints from.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    pub report: &'a Report,
    /// `check`'s verdict; `None` for `analyze`.
    pub verdict: Option<&'a Verdict>,
    /// The aggregate cells, when an output asked for them.
    pub aggregate: Option<&'a FlatRows>,
}

/// An output format.
pub trait Writer {
    fn write(&self, doc: &Document, out: &mut dyn Write) -> io::Result<()>;
}

/// The writer of a format; `color` colours the terminal summary.
pub fn writer(format: Format, color: bool) -> Box<dyn Writer> {
    match format {
        Format::Terminal => Box::new(terminal::TerminalWriter {
            paint: style::Paint { color },
            ..Default::default()
        }),
        Format::Csv => Box::new(csv::CsvWriter),
        Format::Json => Box::new(json::JsonWriter),
        Format::Markdown => Box::new(markdown::MarkdownWriter),
        Format::Parquet => Box::new(parquet::ParquetWriter),
        Format::Html => Box::new(html::HtmlWriter),
        Format::ByDay => Box::new(by_day::ByDayWriter),
    }
}

/// Writes `doc` in each format to its destination (`color`: see [`writer`]).
pub fn write_all(
    outputs: &[(Format, Destination)],
    doc: &Document,
    color: bool,
) -> Result<(), Error> {
    for (format, dest) in outputs {
        let writer = writer(*format, color);
        let result = match dest {
            Destination::Stdout => {
                let stdout = io::stdout();
                let mut lock = stdout.lock();
                writer.write(doc, &mut lock).and_then(|_| lock.flush())
            }
            Destination::File(p) => File::create(p).and_then(|f| {
                let mut w = BufWriter::new(f);
                writer.write(doc, &mut w)?;
                w.flush()
            }),
        };
        match result {
            // A closed pipe (`| head`) is not an error.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
            Err(e) => return Err(Error::Output(dest.to_string(), e)),
            Ok(()) => {}
        }
    }
    Ok(())
}
