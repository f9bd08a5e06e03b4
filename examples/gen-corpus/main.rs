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
//!   `--tls10-server N` (default: the second-to-last non-legacy server, EX02 of the
//!   default 4; none with fewer than two non-legacy servers) negotiates at most TLS 1.0,
//!   receive and send, internal hops included: its Schannel has only TLS 1.0.
//! * partners: generated domains `partnerNNN.<suffix>` (known suffixes, all on the PSL)
//!   with 1–6 MTAs each, plus big providers (outlook.com, google.com, amazonses.com,
//!   mimecast.com) with many MTAs; `EHLO [ip]` clients at public addresses; bots (some
//!   only probe the port); devices at internal addresses relaying anonymously (bare names
//!   or `EHLO [ip]`); and 2 or 3 submitters at internal addresses (bare names,
//!   `*.corp.example`, `*.office.local` or `EHLO [ip]`) that `AUTH LOGIN` at the client
//!   connector on port 587 before they send. Every host has a stable TLS profile
//!   (modern, TLS1.2, TLS1.0-only, mixed, SSL3, ...).
//! * internal hops: FrontEnd -> Hub proxy (port 2525) and Hub <-> Hub, X-ANONYMOUSTLS.
//! * `--scanners N` (default 0): N more public addresses, each with one short session at
//!   an internet-facing receive log (EHLO <bare name>, QUIT; or a silent port probe),
//!   evenly over the period, on their own random stream and on top of `--size`.
//!
//! expected.csv semantics, one row per (direction, partner), each session counted once:
//! * direction `internal`: the remote is one of the generated servers or the session used
//!   X-ANONYMOUSTLS; also a send session over one of Exchange's implicit connectors
//!   (`Intra-Organization SMTP Send Connector`, `Inbound Proxy Internal Send Connector`,
//!   `Mailbox Delivery`, `Client Proxy *`), a send session to remote port 2525/475/717 or
//!   a receive session on local port 2525/475/717, and a send session whose remote
//!   advertises X-EXPS EXCHANGEAUTH, X-EXCHANGEAUTH, XEXCH50, XSHADOW or XPROXYFROM from a
//!   private address (10/8, 172.16/12, 192.168/16, 127/8, 169.254/16, 100.64/10) or a
//!   name under .local/.lan/.intra/.corp/.internal/.test/.home.arpa. (The generator's
//!   internal sessions all meet the first rule too.) Partner: the peer server's FQDN
//!   lower-cased.
//! * `client` (receive logs, not internal): the session authenticated (AUTH answered 235,
//!   or a `*` row with context `authenticated`), or the remote is at a private address and
//!   its EHLO/HELO name is no public registrable domain (none, a bare name, an address
//!   literal, or a name under a suffix not on the Public Suffix List such as .example or
//!   .local). Partner: the EHLO name lower-cased, trailing dot removed; the remote IP when
//!   there is no name or an address literal. Here: devices and submitters.
//! * else `inbound` (receive logs) / `outbound` (send logs). Partner: registrable domain
//!   of the EHLO name (inbound) or of the host in the remote's 220 banner (outbound),
//!   lower-cased, trailing dot removed; bare names, address literals and sessions without
//!   a name => the remote IP.
//!
//! Outcome columns, one per session, partitioning `sessions`: tls1_3 .. ssl2 (negotiated),
//! tls_unknown (TLS used, version not logged: 2010), tls_failed (a TLS attempt that
//! failed), cleartext (no TLS attempt, seen from the start, the client side sent a command
//! and reached MAIL/RCPT/AUTH/DATA/BDAT or the disconnect: every whole session with an
//! EHLO/HELO and no TLS), incomplete (the rows that would show the outcome are missing:
//! always 0, as the generator writes whole sessions) and no_conversation (closed before
//! the client side sent a command: port probes). A row whose sessions are all
//! no_conversation is still written.
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
mod timed;
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
