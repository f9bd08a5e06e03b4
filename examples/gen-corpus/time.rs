//! Clock arithmetic: civil dates without a time library, the log's timestamp formats, and
//! the diurnal curve that maps "how much has been written" to "what time it is".

pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = (y - era * 400) as u64;
    let mp = (m as u64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as u64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe as i64 - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u64;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i64 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A broken-down UTC time.
pub struct Tm {
    pub y: i64,
    pub mo: u32,
    pub d: u32,
    pub h: u32,
    pub mi: u32,
    pub s: u32,
    pub ms: u32,
    pub wd: usize,
}

pub fn tm(ms: u64) -> Tm {
    let days = (ms / 86_400_000) as i64;
    let rem = ms % 86_400_000;
    let (y, mo, d) = civil_from_days(days);
    Tm {
        y,
        mo,
        d,
        h: (rem / 3_600_000) as u32,
        mi: (rem / 60_000 % 60) as u32,
        s: (rem / 1000 % 60) as u32,
        ms: (rem % 1000) as u32,
        wd: ((days + 4).rem_euclid(7)) as usize,
    }
}

/// `yyyy-MM-ddTHH:mm:ss.fffZ`, the log's own timestamp format.
pub fn iso(ms: u64) -> String {
    let t = tm(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.y, t.mo, t.d, t.h, t.mi, t.s, t.ms
    )
}

const WDAY: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MON: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "Wed, 25 Nov 2026 14:00:00 +0000" (offset_h shifts the clock and the zone)
pub fn rfc(ms: u64, offset_h: u64) -> String {
    let t = tm(ms + offset_h * 3_600_000);
    format!(
        "{}, {} {} {} {:02}:{:02}:{:02} +{:02}00",
        WDAY[t.wd],
        t.d,
        MON[(t.mo - 1) as usize],
        t.y,
        t.h,
        t.mi,
        t.s,
        offset_h
    )
}

/// Formats `yyyy-MM-ddTHH:mm:ss.fffZ`, caching the part up to the seconds: every row
/// starts with one, and most rows share their second with the row before.
#[derive(Default)]
pub struct TsFmt {
    sec: u64,
    pre: Vec<u8>,
}

impl TsFmt {
    pub fn push(&mut self, out: &mut Vec<u8>, ms: u64) {
        let sec = ms / 1000;
        if sec != self.sec || self.pre.is_empty() {
            self.sec = sec;
            let s = iso(sec * 1000);
            self.pre.clear();
            self.pre.extend_from_slice(&s.as_bytes()[..20]);
        }
        out.extend_from_slice(&self.pre);
        let m = (ms % 1000) as u32;
        out.push(b'0' + (m / 100) as u8);
        out.push(b'0' + (m / 10 % 10) as u8);
        out.push(b'0' + (m % 10) as u8);
        out.push(b'Z');
    }
}

/// Mail by time of day: busy from 06:00 to 20:00, a trickle at night. The generator
/// writes bytes, not time, so the fraction written so far is mapped through the
/// cumulative density to a clock.
pub struct Diurnal {
    start_ms: u64,
    /// cumulative density per minute, normalised to [0, 1]
    cdf: Vec<f64>,
    /// the minute the last lookup ended in; lookups only move forward
    i: usize,
}

impl Diurnal {
    pub fn new(start_ms: u64, hours: u64) -> Diurnal {
        Diurnal {
            start_ms,
            cdf: diurnal_cdf(hours),
            i: 0,
        }
    }

    /// The clock once fraction `f` of the corpus is written.
    pub fn at(&mut self, f: f64) -> u64 {
        let n = self.cdf.len() - 1;
        if f >= 1.0 {
            return self.start_ms + n as u64 * 60_000;
        }
        while self.i + 1 < n && self.cdf[self.i + 1] <= f {
            self.i += 1;
        }
        let (a, b) = (self.cdf[self.i], self.cdf[self.i + 1]);
        let frac = if b > a {
            ((f - a) / (b - a)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.start_ms + ((self.i as f64 + frac) * 60_000.0) as u64
    }
}

fn diurnal_cdf(hours: u64) -> Vec<f64> {
    let n = (hours * 60) as usize;
    let mut cdf = Vec::with_capacity(n + 1);
    let mut acc = 0.0;
    cdf.push(0.0);
    for m in 0..n {
        let h = (m % 1440) as f64 / 60.0;
        let day = if h > 6.0 && h < 20.0 {
            (std::f64::consts::PI * (h - 6.0) / 14.0).sin()
        } else {
            0.0
        };
        acc += 0.15 + 1.2 * day;
        cdf.push(acc);
    }
    for c in &mut cdf {
        *c /= acc;
    }
    cdf
}
