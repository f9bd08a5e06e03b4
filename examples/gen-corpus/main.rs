//! gen-corpus — deterministic generator of Microsoft Exchange SMTP protocol-log corpora.
//!
//! Writes a tree of SmtpReceive / SmtpSend protocol logs shaped like the real ones
//! (BOM + header block, CRLF, hourly or daily files with size rollover, many interleaved
//! sessions crossing file boundaries) plus `OUT_DIR/expected.csv`, the ground truth per
//! (direction, partner), computed from what the generator decided — not by re-parsing.
//!
//! Standard library only (it must build standalone with `rustc`), deterministic for a
//! given set of flags: same flags + seed => byte-identical corpus.
//!
//!     cargo run --release --example gen-corpus -- --size 1GiB --seed 42 target/corpus
//!     rustc -O --edition 2021 examples/gen-corpus/main.rs -o /tmp/gen-corpus && /tmp/gen-corpus --size 50MiB /tmp/corpus
//!
//! Model (see `--help` for the flags):
//! * servers EX01..EXnn in `corp.example`; flavours cycle 2019, 2016, 2013; the last
//!   `--legacy` servers are Exchange 2010. 2019: hourly files, single-row certificates,
//!   flattened EHLO replies in send logs, TLS 1.3 printed as `4096`/`8192` before the
//!   middle of the period and as `SP_PROT_TLS1_3_*` after (a CU upgrade). 2016: hourly,
//!   multi-row certificates, one row per EHLO-reply line. 2013: daily files (`RECVyyyyMMdd-N`),
//!   `CALG_ECDHE`. 2010: `#Version: 14.0.0.0`, `ProtocolLog\SmtpReceive|SmtpSend` without the
//!   FrontEnd/Hub level, daily files, and NO TLS protocol line (=> tls_unknown).
//! * partners: generated domains `partnerNNN.<suffix>` (known suffixes, all on the PSL)
//!   with 1–6 MTAs each, plus big providers (outlook.com, google.com, amazonses.com,
//!   mimecast.com) with many MTAs; bare-name devices, `EHLO [ip]` clients, scanners.
//!   Every host has a stable TLS profile (modern, TLS1.2, TLS1.0-only, mixed, SSL3, ...).
//! * internal hops: FrontEnd -> Hub proxy (port 2525) and Hub <-> Hub, X-ANONYMOUSTLS.
//! * `--scanners N` (default 0): N more public addresses, each with one short session at
//!   an internet-facing receive log (EHLO <bare name>, QUIT; or a silent port probe),
//!   evenly over the period, on their own random stream and on top of `--size`.
//!
//! expected.csv semantics: direction = inbound (receive logs) / outbound (send logs) /
//! internal (remote is one of the generated servers or X-ANONYMOUSTLS was used).
//! partner = registrable domain of the EHLO name (inbound) or of the host in the remote's
//! 220 banner (outbound), lower-cased, trailing dot removed; bare names, address literals
//! and sessions without a name => the remote IP; internal => the peer server's FQDN
//! lower-cased. Outcome columns (tls1_3..cleartext) partition `sessions`; with
//! `--scanners N > 0` a `no_conversation` column (sessions that never greeted) joins them.
//!
//! Layout, one module per file in this directory: `cli` (flags) -> `world` (servers,
//! hosts, partners) -> `generator` (which log writes next) -> `receive` / `send` (the rows
//! of each session kind, from `dialogue` and `remote`) -> `writer` (files, rollover);
//! `expected` counts the ground truth.

mod cli;
mod dialogue;
mod expected;
mod generator;
mod host;
mod receive;
mod remote;
mod rng;
mod scanner;
mod send;
mod server;
mod session;
mod time;
mod tls;
mod world;
mod writer;

use std::process::ExitCode;

fn main() -> ExitCode {
    let cfg = match cli::parse_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("gen-corpus: {e}");
            return ExitCode::from(2);
        }
    };
    match generator::generate(&cfg) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-corpus: {e}");
            ExitCode::FAILURE
        }
    }
}
