//! gen-corpus — deterministic generator of Microsoft Exchange SMTP protocol-log corpora.
//!
//! Writes a tree of SmtpReceive / SmtpSend protocol logs shaped like the real ones
//! (BOM + header block, CRLF, hourly or daily files with size rollover, many interleaved
//! sessions crossing file boundaries) plus `OUT_DIR/expected.csv`, the ground truth per
//! (direction, partner), and `OUT_DIR/expected-servers.csv`, the newest TLS version per
//! server and log, both computed from what the generator decided — not by re-parsing.
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
//! * after a failed STARTTLS (`fallback`): every host keeps a habit as a sender (50 %
//!   reconnect at once without STARTTLS, 25 % reconnect with STARTTLS from one of the
//!   partner's MTAs, maybe the same, 25 % give up; bots give up), and our send connector
//!   one towards it (65 % retry without STARTTLS, 20 % STARTTLS again at one of the
//!   partner's MXs, 15 % give up). TLS retries stop after two in a row. About a third of the partner MTAs on
//!   TLS 1.0 / SSL 3 drop the handshake when one of our servers offers more than TLS 1.0
//!   (`TLS negotiation failed with error SocketError`, `Remote(SocketError)`; with 2010
//!   and the TLS 1.0-only server they succeed); our connector then retries without
//!   STARTTLS (60 %) or gives up. RequireTLS: generated partner domains whose MTAs all
//!   offer STARTTLS get it with 30 % when one of their MTAs is flaky or always fails, else
//!   3 %; their send sessions log `Overriding connector TLS configuration: ...
//!   RequireTLS -> False : True` before the connect and never fall back to cleartext
//!   (STARTTLS again, or give up).
//! * low-traffic partners (`sparse`): partners / 25 (8..=200) more domains, numbered on
//!   from the generated ones, never drawn by the zipf law but scheduled: one session every
//!   100–195 minutes each way (at least two each way in 6 hours), rows a round trip
//!   apart, so the hour after each failure is empty. Session 0 succeeds, session 1 fails
//!   its handshake, later ones fail one time in three; they never retry. Their profiles
//!   cycle TLS 1.0, TLS 1.2, TLS 1.0 with weak ciphers, TLS 1.0: TLS 1.0 partners whose
//!   failures are never retried, whose mail stops without TLS 1.0.
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
//! Fallback evidence, the last three columns (after `weak_cipher,hosts`), partitioning
//! `tls_failed`: `retried_in_cleartext`, `retried_with_tls`, `no_retry_seen`. A session
//! starts at the timestamp of its first row and ends at that of its last. For each
//! tls_failed session F, among the other sessions of the same (direction, partner), of
//! any of its hosts, that are cleartext or TLS (a version, tls_unknown or tls_failed;
//! not no_conversation or incomplete) and start in [F.end, F.end + 1 h] (both ends
//! inclusive), the one with the smallest start decides — cleartext if any of those
//! sharing that start is — else no_retry_seen. Scanner rows are 0,0,0.
//!
//! expected-servers.csv: `server,log,highest`, one row per server and log kind
//! (`receive`, `send`: FrontEnd and Hub together) that has sessions, sorted by server then
//! log. `server` is the name its receive connector ids show (`EX01`), for its send logs
//! too; `highest` is the newest version column (`tls1_3` .. `ssl2`) a TLS line of that
//! log named, empty when none did (2010 logs none).
//!
//! Layout, one module per file in this directory: `cli` (flags) -> `world` (servers,
//! hosts, partners) -> `generator` (which log writes next) -> `receive` / `send` (the rows
//! of each session kind, from `dialogue` and `remote`; what follows a failure from
//! `fallback`) -> `writer` (files, rollover); `scanner` and `sparse` run sessions on their
//! own clock (`timed`); `expected` counts the ground truth, `evidence` applies the
//! fallback rule to the timeline.

mod cli;
mod dialogue;
mod evidence;
mod expected;
mod fallback;
mod generator;
mod host;
mod receive;
mod remote;
mod rng;
mod scanner;
mod send;
mod server;
mod session;
mod sparse;
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
