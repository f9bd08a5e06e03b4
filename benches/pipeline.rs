//! End-to-end throughput of the analysis over an in-memory corpus: scan (rows → session
//! facts) + stitch + `report::build`, and scan + stitch alone.
//!
//! The corpus is `sample-logs/` (receive and send logs of three servers: TLS 1.0/1.2/1.3,
//! cleartext, TLS failures, rollovers) replicated with rewritten session ids until it
//! reaches [`TARGET_BYTES`], so the row shapes are real and every copy is its own sessions.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use smtptls::collect::Partial;
use smtptls::parse::header::{Columns, LogKind};
use smtptls::parse::row::{self, Fields};
use smtptls::scan::{scan_bytes, Origin};

mod common;
use common::sample_logs;

/// Size the corpus grows to (whole copies of the sample logs, so slightly more).
const TARGET_BYTES: usize = 12 << 20;

/// Session id `id` of copy `copy` of folder `folder`: the top 12 bits are xored with a
/// per-(copy, folder) tag, keeping the id's width and hex form. Non-hex ids are kept.
fn rewrite_id(id: &[u8], tag: u64) -> Option<Vec<u8>> {
    let s = std::str::from_utf8(id).ok()?;
    if !(4..=16).contains(&s.len()) {
        return None;
    }
    let v = u64::from_str_radix(s, 16).ok()?;
    let shift = 4 * s.len() as u32 - 12;
    let new = v ^ ((tag & 0xFFF) << shift);
    Some(format!("{new:0width$X}", width = s.len()).into_bytes())
}

/// The sample logs, copied with distinct session ids until the corpus reaches
/// `TARGET_BYTES`. Each copy of each file keeps its header block (the scanner switches
/// log kind on a mid-stream `#Log-type`), so the corpus reads like appended files.
fn corpus() -> Vec<u8> {
    let files = sample_logs();
    let mut folders: Vec<&Path> = files.iter().filter_map(|(p, _)| p.parent()).collect();
    folders.dedup();
    let per_copy: usize = files.iter().map(|(_, b)| b.len()).sum();
    let copies = TARGET_BYTES.div_ceil(per_copy);
    assert!(
        copies * folders.len() < 0x1000,
        "too many copies for the id tag"
    );
    let mut out = Vec::with_capacity(copies * per_copy + 1024);
    let mut fields = Fields::default();
    for copy in 0..copies {
        for (path, bytes) in &files {
            let folder = folders
                .iter()
                .position(|f| Some(*f) == path.parent())
                .unwrap_or(0);
            let tag = (copy * folders.len() + folder) as u64;
            for line in bytes.split_inclusive(|&b| b == b'\n') {
                let body = line.strip_suffix(b"\n").unwrap_or(line);
                let body = body.strip_suffix(b"\r").unwrap_or(body);
                let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
                if tag == 0 || body.is_empty() || body[0] == b'#' {
                    out.extend_from_slice(line);
                    continue;
                }
                row::row(body, &mut fields);
                let id = fields.get(Columns::STANDARD.session).to_vec();
                let new = rewrite_id(&id, tag);
                // Replace the first `,<id>,` (the session-id column) and nothing else.
                let mut needle = Vec::with_capacity(id.len() + 2);
                needle.push(b',');
                needle.extend_from_slice(&id);
                needle.push(b',');
                match (new, memchr::memmem::find(line, &needle)) {
                    (Some(new), Some(at)) => {
                        out.extend_from_slice(&line[..=at]);
                        out.extend_from_slice(&new);
                        out.extend_from_slice(&line[at + 1 + id.len()..]);
                    }
                    _ => out.extend_from_slice(line),
                }
            }
        }
    }
    out
}

fn origin() -> Origin {
    Origin {
        file: 0,
        chunk: 0,
        folder: 0,
        offset: 0,
        kind: LogKind::Receive,
        columns: Columns::STANDARD,
    }
}

/// Scan + stitch: what `collect` does for one stretch, on one thread.
fn scan(bytes: &[u8]) -> Partial {
    let mut partial = Partial::default();
    scan_bytes(origin(), bytes, &mut partial);
    partial.stitch();
    partial
}

fn bench_pipeline(c: &mut Criterion) {
    let corpus = corpus();
    let probe = scan(&corpus);
    let s = probe.stats();
    eprintln!(
        "corpus: {:.1} MiB, {} rows, {} sessions ({} partial), {} malformed rows, {}",
        corpus.len() as f64 / f64::from(1 << 20),
        s.rows,
        s.sessions,
        s.partial_sessions,
        s.malformed_rows,
        probe.sizes(),
    );
    assert!(s.sessions > 1000, "corpus too small: {s:?}");
    smtptls::report::build(probe, &[], &smtptls::report::Policy::default()).expect("report builds");

    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Bytes(corpus.len() as u64));
    group.bench_function("analyze", |b| {
        b.iter(|| {
            let partial = scan(black_box(&corpus));
            let report = smtptls::report::build(partial, &[], &smtptls::report::Policy::default())
                .expect("report builds");
            report.partners.len()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("scan");
    group.throughput(Throughput::Bytes(corpus.len() as u64));
    group.bench_function("scan_stitch", |b| {
        b.iter(|| scan(black_box(&corpus)).stats().sessions)
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench_pipeline
}
criterion_main!(benches);
