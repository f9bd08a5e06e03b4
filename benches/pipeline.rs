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
        stretch: 0,
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

/// An internet-facing Edge's variety: `n` scanners, each from its own address with one
/// short session (connect, banner, `EHLO <word>`, QUIT, disconnect).
fn scanner_log(n: u32) -> Vec<u8> {
    let mut log = Vec::with_capacity(n as usize * 700);
    for i in 0..n {
        let ip = format!(
            "{}.{}.{}.{}",
            11 + (i >> 16) % 200,
            (i >> 8) & 255,
            i & 255,
            7
        );
        let rows: [(&str, String); 6] = [
            ("+", String::new()),
            (
                ">",
                "220 edge01.corp.example Microsoft ESMTP MAIL Service ready".into(),
            ),
            ("<", format!("EHLO scan{i:x}")),
            (">", "250-edge01.corp.example Hello [192.0.2.1]".into()),
            ("<", "QUIT".into()),
            ("-", String::new()),
        ];
        for (seq, (event, data)) in rows.iter().enumerate() {
            let line = format!(
                "2026-11-25T14:{:02}:{:02}.{:03}Z,EDGE01\\Default internal receive connector EDGE01,\
                 {:016X},{seq},10.0.2.30:25,{ip}:{},{event},{data},\r\n",
                (i / 60_000) % 60,
                (i / 1000) % 60,
                i % 1000,
                0x08DE_0000_0000_0000_u64 + u64::from(i),
                40_000 + i % 20_000,
            );
            log.extend_from_slice(line.as_bytes());
        }
    }
    log
}

/// The report stage alone at 100,000 distinct peers (one partner each): the polars
/// partner table, partner resolution and the per-partner strings.
fn bench_report_at_scale(c: &mut Criterion) {
    let log = scanner_log(100_000);
    let probe = scan(&log);
    assert_eq!(probe.stats().sessions, 100_000, "{}", probe.sizes());
    drop(probe);
    let mut group = c.benchmark_group("report");
    group.sample_size(10);
    group.throughput(Throughput::Elements(100_000));
    group.bench_function("build_100k_peers", |b| {
        b.iter_batched(
            || scan(&log),
            |partial| {
                let policy = smtptls::report::Policy::default();
                let report = smtptls::report::build(partial, &[], &policy).expect("report builds");
                report.partners.len()
            },
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench_pipeline, bench_report_at_scale
}
criterion_main!(benches);
