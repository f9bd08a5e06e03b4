//! Arbitrary bytes as a log: read whole as either kind and cut in two at a line, then
//! stitched and built into a report. Only panics count: ids reused within a stretch make
//! a cut log legitimately read differently.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtptls::collect::Partial;
use smtptls::input::detect::{detect, Detected};
use smtptls::parse::header::{Columns, LogKind};
use smtptls::scan::{scan_bytes, Origin};

fn origin(kind: LogKind, columns: Columns, stretch: u32, offset: u64) -> Origin {
    Origin {
        file: 0,
        stretch,
        folder: 0,
        offset,
        kind,
        columns,
    }
}

fn read(kind: LogKind, columns: Columns, data: &[u8], cut: Option<usize>) -> Partial {
    let mut out = Partial::default();
    let pieces: Vec<&[u8]> = match cut {
        Some(c) => vec![&data[..c], &data[c..]],
        None => vec![data],
    };
    let mut offset = 0;
    for (stretch, piece) in pieces.into_iter().enumerate() {
        // `scan_bytes` asserts (in debug builds, as fuzzing builds are) that every byte
        // of the piece was consumed.
        scan_bytes(origin(kind, columns, stretch as u32, offset), piece, &mut out);
        offset += piece.len() as u64;
    }
    out.stitch();
    let _ = out.problems_located();
    out
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks where to cut; the rest is the log.
    let Some((&pick, data)) = data.split_first() else {
        return;
    };
    let columns = match detect(data, "SEND2026112514-1.LOG") {
        Detected::ProtocolLog { columns, .. } => columns,
        _ => Columns::STANDARD,
    };
    let starts: Vec<usize> = std::iter::once(0)
        .chain(memchr_iter(data).map(|i| i + 1))
        .collect();
    let cut = starts[usize::from(pick) % starts.len()];
    // Every reading folds into one partial: the report (polars) is the slow part, built
    // once.
    let mut all = Partial::default();
    for kind in [LogKind::Receive, LogKind::Send] {
        for cut in [None, Some(cut)] {
            all.merge(read(kind, columns, data, cut));
        }
    }
    let report = smtptls::report::build(all, &[], &smtptls::report::Policy::default());
    assert!(report.is_ok(), "report: {:?}", report.err());
});

fn memchr_iter(data: &[u8]) -> impl Iterator<Item = usize> + '_ {
    data.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i)
}
