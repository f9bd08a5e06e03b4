//! The command line: `--help`, the flags and their checks, into a `Cfg`.

use std::path::PathBuf;

const HELP: &str = "gen-corpus — deterministic Exchange SMTP protocol-log corpus generator

USAGE:
    gen-corpus [OPTIONS] OUT_DIR

Writes OUT_DIR/EXnn/{FrontEnd,Hub}/ProtocolLog/{SmtpReceive,SmtpSend}/RECV|SENDyyyyMMddHH-N.LOG
(Exchange 2013: daily RECVyyyyMMdd-N.LOG; Exchange 2010: OUT_DIR/EXnn/ProtocolLog/...)
and OUT_DIR/expected.csv, the ground truth per (direction, partner), and
OUT_DIR/expected-servers.csv, the newest TLS version per server and log. OUT_DIR must be
absent or empty. Same flags => byte-identical output.

OPTIONS:
    --size SIZE           total log bytes to write (default 1GiB); suffixes KiB MiB GiB
                          (binary), KB MB GB (decimal), or plain bytes
    --seed N              PRNG seed (default 42)
    --servers N           number of Exchange servers (default 4)
    --legacy N            how many of them are Exchange 2010 (default 1 if servers >= 2);
                          2010 writes no TLS protocol line, so its TLS sessions are tls_unknown
    --max-file-size SIZE  size rollover threshold per file (default 10MiB)
    --hours N             simulated period in hours from 2026-11-25T00:00Z (default 24)
    --partners N          generated partner domains (default: scales with size, 200..5000)
    --tls10-server N      server EXnn (1-based; 0 = none) negotiates at most TLS 1.0, receive
                          and send, as if its Schannel had only TLS 1.0 enabled (default:
                          the second-to-last non-legacy server, EX02 of 4; none if there are
                          fewer than two non-legacy servers)
    --scanners N          N scanner / botnet addresses (default 0), each new and distinct, with
                          one short session on an internet-facing receive log (2013+ FrontEnd,
                          2010), spread evenly over the period: EHLO <bare name> and QUIT, or
                          (1 in 4) a port probe that never says a word. Written on top of
                          --size (about 1.2 KB each)
    -q, --quiet           no summary on stderr
    -h, --help            this text

SERVER FLAVOURS (cycled over the non-legacy servers): 2019 (hourly, single-row certs,
flattened EHLO replies, TLS 1.3 as 4096/8192 before mid-period then SP_PROT_TLS1_3_*),
2016 (hourly, multi-row certs, per-line EHLO replies, localized intra-org connector),
2013 (daily files, CALG_ECDHE).

expected.csv columns:
    direction,partner,sessions,messages,tls1_3,tls1_2,tls1_1,tls1_0,ssl3,ssl2,
    tls_unknown,tls_failed,cleartext,incomplete,no_conversation,weak_cipher,hosts,
    retried_in_cleartext,retried_with_tls,no_retry_seen
    direction: inbound, outbound, internal, or client (receive sessions that authenticated,
    or from a private address with no public EHLO name: devices, submitters).
    tls1_3..no_conversation partition sessions; incomplete is 0 (sessions are written
    whole); no_conversation = closed before the client sent a command (port probes).
    The last three split tls_failed by what the same (direction, partner) did next: the
    first cleartext or TLS session that starts within an hour after the failed one ended
    (cleartext wins a tie), or none.

expected-servers.csv columns:
    server,log,highest
    one row per server (EXnn) and log (receive, send) with sessions; highest = the newest
    version column a TLS line of it named, empty if none (2010 logs no version)
";

pub struct Cfg {
    pub size: u64,
    pub seed: u64,
    pub servers: usize,
    pub legacy: usize,
    pub max_file: u64,
    pub hours: u64,
    pub partners: usize,
    pub scanners: u64,
    /// the index of the server that negotiates at most TLS 1.0
    pub tls10: Option<usize>,
    pub out: PathBuf,
    pub quiet: bool,
}

/// The flags as given, before defaults that depend on other flags.
struct Flags {
    size: u64,
    seed: u64,
    servers: usize,
    legacy: Option<usize>,
    max_file: u64,
    hours: u64,
    partners: Option<usize>,
    scanners: u64,
    tls10: Option<usize>,
    quiet: bool,
    out: Option<PathBuf>,
}

/// `1.5GiB`, `200MB`, `4096`: binary and decimal suffixes, case-insensitive.
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let i = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(i);
    let v: f64 = num.parse().map_err(|_| format!("bad size: {s}"))?;
    let m: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        _ => {
            return Err(format!(
                "bad size unit in {s} (use KiB, MiB, GiB, KB, MB, GB)"
            ))
        }
    };
    let b = (v * m) as u64;
    if b == 0 {
        return Err(format!("size must be > 0: {s}"));
    }
    Ok(b)
}

pub fn parse_args() -> Result<Cfg, String> {
    validate(read_flags(std::env::args().skip(1))?)
}

/// `--flag value` and `--flag=value`; `--help` prints the help and exits.
fn read_flags(mut args: impl Iterator<Item = String>) -> Result<Flags, String> {
    let mut f = Flags {
        size: 1u64 << 30,
        seed: 42,
        servers: 4,
        legacy: None,
        max_file: 10u64 << 20,
        hours: 24,
        partners: None,
        scanners: 0,
        tls10: None,
        quiet: false,
        out: None,
    };
    while let Some(a) = args.next() {
        let (k, inline) = match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut val = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{name} needs a value"))
        };
        let num = |v: String, name: &str| -> Result<u64, String> {
            v.parse::<u64>()
                .map_err(|_| format!("{name}: not a number: {v}"))
        };
        match k.as_str() {
            "-h" | "--help" => {
                print!("{HELP}");
                std::process::exit(0);
            }
            "--size" => f.size = parse_size(&val("--size")?)?,
            "--seed" => f.seed = num(val("--seed")?, "--seed")?,
            "--servers" => f.servers = num(val("--servers")?, "--servers")? as usize,
            "--legacy" => f.legacy = Some(num(val("--legacy")?, "--legacy")? as usize),
            "--max-file-size" => f.max_file = parse_size(&val("--max-file-size")?)?,
            "--hours" => f.hours = num(val("--hours")?, "--hours")?,
            "--partners" => f.partners = Some(num(val("--partners")?, "--partners")? as usize),
            "--scanners" => f.scanners = num(val("--scanners")?, "--scanners")?,
            "--tls10-server" => {
                f.tls10 = Some(num(val("--tls10-server")?, "--tls10-server")? as usize)
            }
            "-q" | "--quiet" => f.quiet = true,
            _ if k.starts_with('-') && k.len() > 1 => {
                return Err(format!("unknown option {k} (see --help)"))
            }
            _ => {
                if f.out.is_some() {
                    return Err(format!("unexpected argument {a}"));
                }
                f.out = Some(PathBuf::from(a));
            }
        }
    }
    Ok(f)
}

/// Checks the flags against each other and fills in the defaults that depend on them.
fn validate(f: Flags) -> Result<Cfg, String> {
    let out = f.out.ok_or("missing OUT_DIR (see --help)")?;
    if !(1..=99).contains(&f.servers) {
        return Err("--servers must be 1..99".into());
    }
    let legacy = f.legacy.unwrap_or(if f.servers >= 2 { 1 } else { 0 });
    if legacy >= f.servers {
        return Err("--legacy must be smaller than --servers (at least one 2013+ server)".into());
    }
    if f.hours == 0 || f.hours > 24 * 366 {
        return Err("--hours must be 1..8784".into());
    }
    if f.max_file < 4096 {
        return Err("--max-file-size must be at least 4KiB".into());
    }
    let tls10 = match f.tls10 {
        Some(0) => None,
        Some(n) if n > f.servers => return Err("--tls10-server must be 0..=--servers".into()),
        Some(n) => Some(n - 1),
        // Not the first server: the 2019 one keeps showing TLS 1.3.
        None => (f.servers - legacy).checked_sub(2),
    };
    // About two partner domains per MiB keeps the partner table realistic at any size.
    let partners = f
        .partners
        .unwrap_or(((f.size >> 20) as usize * 2).clamp(200, 5000))
        .max(1);
    Ok(Cfg {
        size: f.size,
        seed: f.seed,
        servers: f.servers,
        legacy,
        max_file: f.max_file,
        hours: f.hours,
        partners,
        scanners: f.scanners,
        tls10,
        out,
        quiet: f.quiet,
    })
}
