//! The row grammar on every line (the one-pass splitter and the per-line parser agree),
//! then every payload parser on every field; a row that parsed without damage must quote
//! back to a row that parses to the same fields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtptls::parse::row::{quote_field, row, Fields, Rows, MAX_FIELDS};
use smtptls::parse::{endpoint, header, payload, time};

fn payloads(b: &[u8], clock: &mut time::Clock) {
    let _ = payload::tls_success(b);
    let _ = payload::tls_failure(b);
    let _ = payload::hello(b);
    let _ = payload::command(b);
    let _ = payload::reply(b);
    let _ = payload::banner_host(b);
    let _ = payload::ehlo_reply_host(b);
    let _ = payload::mail_from(b);
    let _ = payload::rcpt_to(b);
    let _ = payload::protocol(b);
    let _ = payload::algorithms(b);
    let _ = endpoint::endpoint_address(b);
    let _ = header::header_line(b);
    let t = time::timestamp(b);
    let want = match t {
        Ok((b"", v)) => Some(v),
        _ => None,
    };
    assert_eq!(clock.parse(b), want, "Clock disagrees with timestamp");
}

fn values(f: &Fields) -> Vec<Vec<u8>> {
    (0..f.count.min(MAX_FIELDS))
        .map(|i| f.get(i).to_vec())
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let _ = smtptls::input::detect::detect(data, "RECV2026112514-1.LOG");
    // The one-pass splitter agrees with the per-line parser on every line.
    let mut rows = Rows::new(data);
    let mut f = Fields::default();
    while let Some((line, _)) = rows.next_row(&mut f) {
        let mut g = Fields::default();
        row(line.strip_suffix(b"\r").unwrap_or(line), &mut g);
        assert_eq!((f.count, f.damage), (g.count, g.damage));
        assert_eq!(values(&f), values(&g));
    }
    let mut clock = time::Clock::default();
    for line in data.split(|&b| b == b'\n') {
        let mut f = Fields::default();
        row(line, &mut f);
        assert!(f.count >= 1);
        for i in 0..f.count.min(MAX_FIELDS) {
            payloads(f.get(i), &mut clock);
        }
        if f.damage.is_none() && f.count <= MAX_FIELDS {
            let before = values(&f);
            let mut quoted = Vec::new();
            for (i, v) in before.iter().enumerate() {
                if i > 0 {
                    quoted.push(b',');
                }
                quote_field(v, &mut quoted);
            }
            let mut again = Fields::default();
            row(&quoted, &mut again);
            assert_eq!(again.damage, None);
            assert_eq!(again.count, f.count);
            assert_eq!(values(&again), before);
        }
    }
});
