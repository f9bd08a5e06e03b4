//! One session under construction (its rows encoded ahead of writing) and the state every
//! session draws from: the dialogue's random stream, per-server id counters and the ground
//! truth it is counted in.

use crate::evidence::{group_key, Class};
use crate::expected::{class_of, Out, Truth};
use crate::rng::{mix64, Rng};
use crate::server::Srv;
use crate::tls::Ver;
use crate::world::World;

/// A session's rows, each `event,data,context` (the columns after remote-endpoint),
/// encoded back to back in `buf` and ending at `ends[i]`. The writer adds the leading
/// columns when it writes the row, interleaved with other sessions' rows.
pub struct Session {
    pub sid: u64,
    pub connector: String,
    pub local: String,
    pub remote: String,
    pub buf: Vec<u8>,
    pub ends: Vec<u32>,
    /// the first rows of a send session come before the connection, with no local endpoint
    pub empty_local: u32,
    /// the next row to write
    pub next: u32,
    /// a retry that starts when this session ends
    pub followup: Option<Box<Session>>,
    /// its group and class for the fallback evidence, set when it is counted (none for
    /// scanners, port probes)
    pub evidence: Option<(u64, Class)>,
    /// when its first row was written
    pub start_ms: u64,
    /// the version its TLS line names, if it writes one
    pub logged_ver: Option<Ver>,
}

/// A field in CSV form: quoted when it holds a comma or a quote.
fn push_field(buf: &mut Vec<u8>, v: &[u8]) {
    if v.iter().any(|&c| c == b',' || c == b'"') {
        buf.push(b'"');
        for &c in v {
            if c == b'"' {
                buf.push(b'"');
            }
            buf.push(c);
        }
        buf.push(b'"');
    } else {
        buf.extend_from_slice(v);
    }
}

impl Session {
    pub fn new(sid: u64, connector: String, local: String, remote: String) -> Session {
        Session {
            sid,
            connector,
            local,
            remote,
            buf: Vec::with_capacity(2048),
            ends: Vec::with_capacity(32),
            empty_local: 0,
            next: 0,
            followup: None,
            evidence: None,
            start_ms: 0,
            logged_ver: None,
        }
    }
    /// A row whose data may be any bytes (a peer's invalid UTF-8).
    pub fn rb(&mut self, ev: &str, data: &[u8], ctx: &str) {
        self.buf.extend_from_slice(ev.as_bytes());
        self.buf.push(b',');
        push_field(&mut self.buf, data);
        self.buf.push(b',');
        push_field(&mut self.buf, ctx.as_bytes());
        self.ends.push(self.buf.len() as u32);
    }
    pub fn r(&mut self, ev: &str, data: &str, ctx: &str) {
        self.rb(ev, data.as_bytes(), ctx)
    }
}

/// Our end of a session being built: the world, which of our servers, and when.
#[derive(Clone, Copy)]
pub struct Local<'a> {
    pub w: &'a World,
    pub srv_i: usize,
    pub srv: &'a Srv,
    pub now: u64,
}

impl<'a> Local<'a> {
    pub fn new(w: &'a World, srv_i: usize, now: u64) -> Local<'a> {
        Local {
            w,
            srv_i,
            srv: &w.servers[srv_i],
            now,
        }
    }
}

fn take_sid(next: &mut u64, rng: &mut Rng) -> u64 {
    let s = *next;
    *next += 1 + (rng.below(8) == 0) as u64;
    s
}

/// What one session counts as in the ground truth.
pub struct Count {
    pub dir: u8,
    pub pid: u32,
    pub ip: u32,
    pub out: Out,
    pub msgs: u64,
    pub weak: bool,
}

/// What sessions draw from and count into while the corpus is written.
pub struct State {
    pub rng: Rng,
    /// the next session id per server
    pub sid_next: Vec<u64>,
    /// the next InternalId of a queued-mail reply per server
    pub internal_id: Vec<u64>,
    /// the next RecordId of a sent message per server
    pub record_id: Vec<u64>,
    pub truth: Truth,
}

impl State {
    /// Session ids count up per server, in distinct ranges, with an occasional gap
    /// (ids taken by sessions that never log).
    pub fn new(rng: Rng, seed: u64, nsrv: usize, truth: Truth) -> State {
        State {
            rng,
            sid_next: (0..nsrv)
                .map(|i| {
                    0x08DE_2B40_0000_0000u64
                        + ((i as u64 + 1) << 36)
                        + (mix64(seed ^ i as u64) & 0xFFF_FFFF)
                })
                .collect(),
            internal_id: (0..nsrv)
                .map(|i| 1_000_000 + i as u64 * 7_000_000)
                .collect(),
            record_id: (0..nsrv)
                .map(|i| 40_000_000 + i as u64 * 5_000_000)
                .collect(),
            truth,
        }
    }
    pub fn sid(&mut self, srv: usize) -> u64 {
        take_sid(&mut self.sid_next[srv], &mut self.rng)
    }
    /// A session id of server `srv` with the gap drawn from `rng`: scanners share the
    /// server's ids (they count up in time) but not the dialogue's stream.
    pub fn sid_from(&mut self, srv: usize, rng: &mut Rng) -> u64 {
        take_sid(&mut self.sid_next[srv], rng)
    }
    /// Counts session `s` of `pid` at address `ip`, and marks it for the timeline.
    pub fn account(&mut self, s: &mut Session, c: Count) {
        self.truth
            .account(c.dir, c.pid, c.ip, c.out, c.msgs, c.weak);
        s.evidence = class_of(c.out).map(|k| (group_key(c.dir, c.pid), k));
    }
    /// An ephemeral source port.
    pub fn port(&mut self) -> u64 {
        self.rng.range(1025, 65000)
    }
}
