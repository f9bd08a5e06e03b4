//! Parser throughput: the row grammar over a block of real-shaped log lines, the payload
//! parsers (TLS success line, EHLO, 220 banner, MAIL FROM) and the `date-time` parsers
//! (`timestamp` and the per-minute cached `Clock`).
//!
//! The lines are the data rows of `sample-logs/` (receive and send, quoted TLS lines,
//! banners with commas), read once at start-up.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use smtptls::parse::payload;
use smtptls::parse::row::{self, Fields};
use smtptls::parse::time::{self, Clock};

mod common;
use common::sample_logs;

/// The data rows of the sample logs, `\n`-terminated, without `\r`, BOMs or headers.
fn data_rows() -> Vec<u8> {
    let mut block = Vec::new();
    for (_, bytes) in sample_logs() {
        for line in bytes.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
            if line.is_empty() || line[0] == b'#' {
                continue;
            }
            block.extend_from_slice(line);
            block.push(b'\n');
        }
    }
    block
}

/// Calls `f` on each line of a `\n`-terminated block.
fn for_each_line<'a>(block: &'a [u8], mut f: impl FnMut(&'a [u8])) {
    let mut pos = 0;
    while let Some(n) = memchr::memchr(b'\n', &block[pos..]) {
        f(&block[pos..pos + n]);
        pos += n + 1;
    }
}

fn bench_row(c: &mut Criterion) {
    let block = data_rows();
    let lines = block.iter().filter(|&&b| b == b'\n').count();
    let mut group = c.benchmark_group("row");
    group.throughput(Throughput::Bytes(block.len() as u64));
    group.bench_function(format!("sample_rows/{lines}_lines"), |b| {
        b.iter(|| {
            let mut fields = Fields::default();
            let mut total = 0usize;
            for_each_line(black_box(&block), |line| {
                row::row(line, &mut fields);
                total += fields.count;
            });
            total
        })
    });
    // What the scanner runs: one pass finds both field ends and line ends.
    group.bench_function(format!("rows_one_pass/{lines}_lines"), |b| {
        b.iter(|| {
            let mut fields = Fields::default();
            let mut rows = row::Rows::new(black_box(&block));
            let mut total = 0usize;
            while rows.next_row(&mut fields).is_some() {
                total += fields.count;
            }
            total
        })
    });
    group.finish();
}

const TLS_SUCCESS: &[u8] = b"TLS protocol SP_PROT_TLS1_2_SERVER negotiation succeeded using bulk encryption algorithm CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 bits and key exchange algorithm CALG_ECDH_EPHEM with strength 384 bits";
const TLS_SUCCESS_13: &[u8] = b"TLS protocol 4096 negotiation succeeded using bulk encryption algorithm CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 bits and key exchange algorithm CALG_ECDHE with strength 384 bits";
const TLS_FAILURE: &[u8] = b"TLS negotiation failed with error SocketError";
const EHLO: &[u8] = b"EHLO EUR05-DB8-obe.outbound.protection.outlook.com";
const BANNER_TEXT: &[u8] =
    b"mail.northwindtraders.com Microsoft ESMTP MAIL Service ready at Wed, 25 Nov 2026 14:00:00 +0000";
const MAIL_FROM: &[u8] = b"MAIL FROM:<t.nguyen@woodgrovebank.com> SIZE=279619";
const EHLO_REPLY: &[u8] = b"250  mail.northwindtraders.com Hello [40.107.22.51] SIZE 37748736 PIPELINING DSN ENHANCEDSTATUSCODES STARTTLS X-ANONYMOUSTLS AUTH NTLM X-EXPS GSSAPI NTLM 8BITMIME BINARYMIME CHUNKING SMTPUTF8 XRDST";

fn bench_payload(c: &mut Criterion) {
    let mut group = c.benchmark_group("payload");
    let mut one = |name: &str, input: &'static [u8], f: fn(&'static [u8]) -> bool| {
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(name, |b| b.iter(|| f(black_box(input))));
    };
    one("tls_success/tls1_2", TLS_SUCCESS, |i| {
        payload::tls_success(i).is_ok()
    });
    one("tls_success/tls1_3_number", TLS_SUCCESS_13, |i| {
        payload::tls_success(i).is_ok()
    });
    one("tls_failure", TLS_FAILURE, |i| {
        payload::tls_failure(i).is_ok()
    });
    one("hello/ehlo", EHLO, |i| payload::hello(i).is_ok());
    one("command/ehlo", EHLO, |i| {
        matches!(payload::command(i), payload::Command::Hello(_))
    });
    one("command/mail_from", MAIL_FROM, |i| {
        matches!(payload::command(i), payload::Command::MailFrom(_))
    });
    one("mail_from", MAIL_FROM, |i| payload::mail_from(i).is_ok());
    one("banner_host", BANNER_TEXT, |i| {
        matches!(payload::banner_host(i), Ok((_, Some(_))))
    });
    one("reply/ehlo_250", EHLO_REPLY, |i| payload::reply(i).is_ok());
    group.finish();
}

fn bench_time(c: &mut Criterion) {
    // The date-time column of every sample row, in file order: consecutive rows mostly
    // share the minute, as in real logs.
    let block = data_rows();
    let mut stamps: Vec<&[u8]> = Vec::new();
    for_each_line(&block, |line| {
        stamps.push(&line[..memchr::memchr(b',', line).unwrap_or(line.len())]);
    });
    let bytes: usize = stamps.iter().map(|s| s.len()).sum();
    let mut group = c.benchmark_group("time");

    let single: &[u8] = b"2026-11-25T14:00:01.234Z";
    group.throughput(Throughput::Bytes(single.len() as u64));
    group.bench_function("timestamp/one", |b| {
        b.iter(|| time::timestamp(black_box(single)).is_ok())
    });

    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(format!("timestamp/{}_rows", stamps.len()), |b| {
        b.iter(|| {
            let mut sum = 0i64;
            for s in black_box(&stamps) {
                if let Ok((_, t)) = time::timestamp(s) {
                    sum = sum.wrapping_add(t);
                }
            }
            sum
        })
    });
    group.bench_function(format!("clock/{}_rows", stamps.len()), |b| {
        b.iter(|| {
            let mut clock = Clock::default();
            let mut sum = 0i64;
            for s in black_box(&stamps) {
                if let Some(t) = clock.parse(s) {
                    sum = sum.wrapping_add(t);
                }
            }
            sum
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench_row, bench_payload, bench_time
}
criterion_main!(benches);
