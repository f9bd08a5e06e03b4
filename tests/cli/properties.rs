//! Property tests: the parsers and the scanner take any bytes without panicking, quoting
//! round-trips, the minute cache agrees with the full timestamp parser, and cutting a log
//! at any line into two stretches gives the same sessions as reading it whole.

use proptest::collection::vec;
use proptest::prelude::*;

use smtptls::collect::Partial;
use smtptls::parse::header::{Columns, LogKind};
use smtptls::parse::row::{quote_field, row, Fields, Rows, MAX_FIELDS};
use smtptls::parse::{endpoint, header, payload, time};
use smtptls::scan::{scan_bytes, Origin, Scanner};

/// `cases`, or `PROPTEST_CASES` from the environment for a longer run.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        // Shrinking a failing log can take long; a few hundred steps find a small one.
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    }
}

/// Bytes that lean towards the characters the grammars care about.
fn log_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(
        prop_oneof![
            4 => any::<u8>(),
            3 => prop::sample::select(&b",\"\r\n#<>*+-:.[]@ 0123456789TZ"[..]),
            1 => prop::sample::select(&b"\xEF\xBB\xBF"[..]),
        ],
        0..max,
    )
}

/// A field value that holds no line ending.
fn field_bytes() -> impl Strategy<Value = Vec<u8>> {
    vec(
        prop_oneof![
            3 => any::<u8>().prop_filter("no line ending", |b| *b != b'\n' && *b != b'\r'),
            2 => prop::sample::select(&b",\"  a"[..]),
        ],
        0..12,
    )
}

fn parse_row(line: &[u8]) -> (Vec<Vec<u8>>, usize, Option<smtptls::parse::row::RowDamage>) {
    let mut f = Fields::default();
    row(line, &mut f);
    let kept = (0..f.count.min(MAX_FIELDS))
        .map(|i| f.get(i).to_vec())
        .collect();
    (kept, f.count, f.damage)
}

/// Every payload parser on one byte string; the results are dropped, only panics matter.
fn all_payload_parsers(b: &[u8]) {
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
    let _ = time::timestamp(b);
    let _ = time::Clock::default().parse(b);
    let _ = endpoint::endpoint_address(b);
    let _ = header::header_line(b);
    let _ = smtptls::input::detect::detect(b, "RECV2026112514-1.LOG");
    let _ = smtptls::input::detect::detect(b, "");
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn row_parser_takes_any_bytes(line in log_bytes(200)) {
        let (kept, count, _) = parse_row(&line);
        prop_assert!(count >= 1);
        prop_assert_eq!(kept.len(), count.min(MAX_FIELDS));
    }

    #[test]
    fn quoted_row_parses_back(values in vec(field_bytes(), 1..20)) {
        let mut line = Vec::new();
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                line.push(b',');
            }
            quote_field(v, &mut line);
        }
        let (kept, count, damage) = parse_row(&line);
        prop_assert_eq!(count, values.len());
        prop_assert_eq!(damage, None);
        prop_assert_eq!(&kept[..], &values[..values.len().min(MAX_FIELDS)]);
    }

    #[test]
    fn one_pass_rows_agree_with_row_per_line(buf in log_bytes(700)) {
        // The one-pass splitter (64-byte separator masks over the whole buffer) gives
        // each line the fields the per-line parser gives it, whatever the bytes.
        let mut rows = Rows::new(&buf);
        let mut f = Fields::default();
        let mut lines = buf.split(|&b| b == b'\n').peekable();
        while let Some((line, terminated)) = rows.next_row(&mut f) {
            prop_assert_eq!(Some(line), lines.next());
            prop_assert_eq!(terminated, lines.peek().is_some());
            let (kept, count, damage) = parse_row(line.strip_suffix(b"\r").unwrap_or(line));
            prop_assert_eq!(f.count, count);
            prop_assert_eq!(f.damage, damage);
            let got: Vec<Vec<u8>> = (0..count.min(MAX_FIELDS)).map(|i| f.get(i).to_vec()).collect();
            prop_assert_eq!(got, kept);
        }
        prop_assert_eq!(rows.position(), buf.len());
        // Only the empty "line" after a final `\n` is left.
        prop_assert!(lines.next().is_none_or(|l| l.is_empty()));
    }

    #[test]
    fn payload_parsers_take_any_bytes(b in log_bytes(120)) {
        all_payload_parsers(&b);
    }

    #[test]
    fn payload_parsers_take_mangled_payloads(
        base in prop::sample::select(PAYLOADS),
        cut in any::<prop::sample::Index>(),
        junk in log_bytes(8),
    ) {
        // Realistic payloads cut short or with junk in the middle reach deeper branches.
        let base = base.as_bytes();
        let at = cut.index(base.len() + 1);
        let mut b = base[..at].to_vec();
        all_payload_parsers(&b);
        b.extend_from_slice(&junk);
        b.extend_from_slice(&base[at..]);
        all_payload_parsers(&b);
    }
}

const PAYLOADS: &[&str] = &[
    "TLS protocol SP_PROT_TLS1_2_SERVER negotiation succeeded using bulk encryption algorithm CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 bits and key exchange algorithm CALG_ECDH_EPHEM with strength 384 bits",
    "TLS protocol 8192 negotiation succeeded using bulk encryption algorithm 26128 with strength 256 bits, MAC hash algorithm None with strength 0 bits and key exchange algorithm CALG_ECDHE with strength 256 bits",
    "TLS protocol SP_PROT-TLS1_0_CLIENT negotiation succeeded",
    "TLS negotiation failed with error UnknownCredentials",
    "EHLO mail.globex.co.uk",
    "helo [10.0.5.23]",
    "MAIL FROM:<alice@Globex.co.uk> SIZE=1234",
    "RCPT TO:<c@partner.de>",
    "STARTTLS",
    "X-ANONYMOUSTLS",
    "220 mx.partner.example Microsoft ESMTP MAIL Service ready",
    "250-smtp.1und1.de Hello [203.0.113.5]",
    "250  host Hello [1.2.3.4] SIZE",
    "2026-11-25T14:00:01.234Z",
    "[2001:db8::25]:2525",
    "10.0.1.11:25",
    "#Log-type: SMTP Receive Protocol Log",
    "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context",
    "#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n#Log-type: SMTP Send Protocol Log\r\n#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context\r\n2026-11-25T14:11:07.993Z,Internet,08DE2C0F3A132019,0,,198.51.100.75:25,+,,\r\n",
];

// ---------------------------------------------------------------------------------------
// Timestamps

/// Milliseconds in years 0001–9999 (the range four digits can write).
fn millis() -> impl Strategy<Value = i64> {
    -62_135_596_800_000i64..253_402_300_799_999
}

fn exchange_form(ms: i64) -> String {
    time::format_millis(ms)
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn timestamp_reads_what_exchange_writes(ms in millis()) {
        let s = exchange_form(ms);
        prop_assert_eq!(time::timestamp(s.as_bytes()), Ok((&b""[..], ms)));
        // Without the `Z`, and with the fraction cut or dropped, the value is the same up
        // to the digits kept.
        let no_z = &s[..s.len() - 1];
        prop_assert_eq!(time::timestamp(no_z.as_bytes()), Ok((&b""[..], ms)));
        let whole = &s[..19];
        prop_assert_eq!(
            time::timestamp(whole.as_bytes()),
            Ok((&b""[..], ms - ms.rem_euclid(1000)))
        );
    }

    #[test]
    fn clock_agrees_with_timestamp(
        start in millis(),
        steps in vec(
            (
                prop_oneof![
                    4 => 0i64..2_000,
                    2 => 0i64..120_000,
                    1 => -120_000i64..86_400_000,
                ],
                // 0: Exchange's form; 1: one byte replaced; 2: no `Z`; 3: cut short.
                0u8..4,
                any::<prop::sample::Index>(),
                prop::sample::select(&b"0596:.-TZx "[..]),
            ),
            1..40,
        ),
    ) {
        let mut clock = time::Clock::default();
        let mut t = start;
        for (step, how, at, byte) in steps {
            t = (t + step).clamp(-62_135_596_800_000, 253_402_300_799_999);
            let mut s = exchange_form(t).into_bytes();
            match how {
                1 => {
                    let i = at.index(s.len());
                    s[i] = byte;
                }
                2 => {
                    s.pop();
                }
                3 => s.truncate(at.index(s.len())),
                _ => {}
            }
            let want = match time::timestamp(&s) {
                Ok((b"", v)) => Some(v),
                _ => None,
            };
            prop_assert_eq!(clock.parse(&s), want, "{}", String::from_utf8_lossy(&s));
        }
    }
}

// ---------------------------------------------------------------------------------------
// The scanner

const FIELDS_LINE: &str = "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context";

fn origin(kind: LogKind, stretch: u32) -> Origin {
    Origin {
        file: 0,
        stretch,
        folder: 0,
        offset: 0,
        kind,
        columns: Columns::STANDARD,
    }
}

fn kind() -> impl Strategy<Value = LogKind> {
    prop_oneof![Just(LogKind::Receive), Just(LogKind::Send)]
}

/// Reads `input` as one stretch, or as two cut at byte `cut` (which must follow a `\n`),
/// and stitches.
fn scan(kind: LogKind, input: &[u8], cut: Option<usize>) -> Partial {
    let mut out = Partial::new(true);
    match cut {
        None => scan_bytes(origin(kind, 0), input, &mut out),
        Some(cut) => {
            let mut first = Partial::new(true);
            scan_bytes(origin(kind, 0), &input[..cut], &mut first);
            scan_bytes(origin(kind, 1), &input[cut..], &mut out);
            out.merge(first);
        }
    }
    out.stitch();
    out
}

/// Feeds in pieces, the way the stream reader does: `last` only on the final piece, the
/// unconsumed tail carried over.
fn scan_in_pieces(kind: LogKind, input: &[u8], pieces: &[usize]) -> Partial {
    let mut out = Partial::new(true);
    let mut s = Scanner::new(origin(kind, 0));
    let mut pending: Vec<u8> = Vec::new();
    let mut at = 0;
    for &p in pieces {
        let end = (at + p).min(input.len());
        pending.extend_from_slice(&input[at..end]);
        at = end;
        let used = s.feed(&pending, false, &mut out);
        pending.drain(..used);
    }
    pending.extend_from_slice(&input[at..]);
    s.feed(&pending, true, &mut out);
    s.finish(&mut out);
    out.stitch();
    out
}

/// One row of the grammar: an event and its data/context.
#[derive(Debug, Clone)]
enum Step {
    /// The server's greeting.
    Banner(&'static str),
    /// EHLO/HELO and the first line of its reply.
    Ehlo(&'static str, &'static str),
    /// STARTTLS or X-ANONYMOUSTLS.
    StartTls(&'static str),
    /// A reply of the TLS server (ready, or a refusal).
    Reply(&'static str),
    /// An Exchange note (`*`) with its data and context.
    Note(&'static str, &'static str),
    Mail(&'static str),
    Rcpt(&'static str),
    /// Any client command.
    Command(&'static str),
    /// Arbitrary bytes as data and context, with any event.
    Junk(u8, Vec<u8>, Vec<u8>),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => prop::sample::select(&[
            "220 mx.partner.example Microsoft ESMTP MAIL Service ready",
            "220 ****************************",
            "220 2.0.0 SMTP server ready",
            "220 smtp.other.example ESMTP",
        ][..]).prop_map(Step::Banner),
        3 => (
            prop::sample::select(&["EHLO mail.northwindtraders.com", "HELO KM-C458-3F", "EHLO", "ehlo [10.0.5.23]"][..]),
            prop::sample::select(&[
                "250-mail.fourthcoffee.com.au Hello [203.0.113.5]",
                "250  mx.partner.example Hello [1.2.3.4] SIZE 1000",
                "250 ****",
                "250-SIZE 20480000",
            ][..]),
        ).prop_map(|(c, r)| Step::Ehlo(c, r)),
        2 => prop::sample::select(&["STARTTLS", "X-ANONYMOUSTLS", "starttls "][..]).prop_map(Step::StartTls),
        2 => prop::sample::select(&[
            "220 2.0.0 SMTP server ready",
            "454 4.7.0 TLS not available due to local problem",
            "530 5.7.0 Must issue a STARTTLS command first",
            "250 2.1.0 Sender OK",
            "500 5.3.3 Unrecognized command",
        ][..]).prop_map(Step::Reply),
        3 => prop_oneof![
            prop::sample::select(&[
                "TLS protocol SP_PROT_TLS1_0_SERVER negotiation succeeded using bulk encryption algorithm CALG_RC4 with strength 128 bits, MAC hash algorithm CALG_MD5 with strength 0 bits and key exchange algorithm CALG_RSA_KEYX with strength 2048 bits",
                "TLS protocol SP_PROT_TLS1_2_CLIENT negotiation succeeded using bulk encryption algorithm CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 bits and key exchange algorithm CALG_ECDH_EPHEM with strength 384 bits",
                "TLS protocol 8192 negotiation succeeded using bulk encryption algorithm 26128 with strength 256 bits, MAC hash algorithm None with strength 0 bits and key exchange algorithm CALG_ECDHE with strength 256 bits",
                "TLS protocol SP_PROT-TLS1_1_CLIENT negotiation succeeded using bulk",
                "TLS negotiation failed with error UnknownCredentials",
                "TLS negotiation failed with error SocketError",
                "Remote certificate",
                "attempting to connect",
            ][..]).prop_map(|c| Step::Note("", c)),
            prop::sample::select(&[
                "TLS protocol SP_PROT_SSL3_SERVER negotiation succeeded",
                "CN=Sectigo RSA Domain Validation Secure Server CA, O=Sectigo Limited",
                "SendRoutingHeaders",
            ][..]).prop_map(|d| Step::Note(d, "")),
        ],
        2 => prop::sample::select(&[
            "MAIL FROM:<alice@Globex.co.uk> SIZE=1234",
            "MAIL FROM:<>",
            "mail from: <bob@fabrikam.DE.>",
        ][..]).prop_map(Step::Mail),
        1 => prop::sample::select(&["RCPT TO:<c@partner.de>", "RCPT TO:<d@other.example>"][..]).prop_map(Step::Rcpt),
        1 => prop::sample::select(&["QUIT", "DATA", "RSET", "AUTH LOGIN"][..]).prop_map(Step::Command),
        1 => (
            // No `-`: a disconnect ends the session, only the last row has it.
            prop::sample::select(&b"+<>*x"[..]),
            vec(any::<u8>().prop_filter("no line ending", |b| *b != b'\n' && *b != b'\r'), 0..30),
            vec(any::<u8>().prop_filter("no line ending", |b| *b != b'\n' && *b != b'\r'), 0..30),
        ).prop_map(|(e, d, c)| Step::Junk(e, d, c)),
    ]
}

/// One session: which of the session ids, its peer, whether its first (sequence 0) and
/// last (`-`) rows are in the log, and its middle rows.
#[derive(Debug, Clone)]
struct SessionPlan {
    remote: u8,
    day: u8,
    has_start: bool,
    has_end: bool,
    steps: Vec<Step>,
}

fn session_plan() -> impl Strategy<Value = SessionPlan> {
    (
        0u8..4,
        0u8..3,
        prop::bool::weighted(0.85),
        prop::bool::weighted(0.85),
        vec(step(), 0..14),
    )
        .prop_map(|(remote, day, has_start, has_end, steps)| SessionPlan {
            remote,
            day,
            has_start,
            has_end,
            steps,
        })
}

/// A log: its kind, its sessions, and the order their rows interleave in (each entry
/// picks the session whose next row comes next).
fn log_plan() -> impl Strategy<Value = (LogKind, Vec<SessionPlan>, Vec<prop::sample::Index>)> {
    (
        kind(),
        vec(session_plan(), 1..6),
        vec(any::<prop::sample::Index>(), 0..200),
    )
}

fn csv_row(fields: [&[u8]; 9]) -> Vec<u8> {
    let mut line = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            line.push(b',');
        }
        quote_field(f, &mut line);
    }
    line.extend_from_slice(b"\r\n");
    line
}

/// The rows of one session, in order: (event, data, context).
fn session_rows(kind: LogKind, plan: &SessionPlan) -> Vec<(u8, Vec<u8>, Vec<u8>)> {
    let (client, server) = match kind {
        LogKind::Receive => (b'<', b'>'),
        LogKind::Send => (b'>', b'<'),
    };
    let mut rows = Vec::new();
    let s = |x: &str| x.as_bytes().to_vec();
    for step in &plan.steps {
        match step {
            Step::Banner(b) => rows.push((server, s(b), vec![])),
            Step::Ehlo(c, r) => {
                rows.push((client, s(c), vec![]));
                rows.push((server, s(r), vec![]));
            }
            Step::StartTls(c) | Step::Mail(c) | Step::Rcpt(c) | Step::Command(c) => {
                rows.push((client, s(c), vec![]))
            }
            Step::Reply(r) => rows.push((server, s(r), vec![])),
            Step::Note(d, c) => rows.push((b'*', s(d), s(c))),
            Step::Junk(e, d, c) => rows.push((*e, d.clone(), c.clone())),
        }
    }
    rows
}

/// Renders the plan as a log (header included) with each session's rows numbered from 0,
/// interleaved by `order`.
fn render(kind: LogKind, sessions: &[SessionPlan], order: &[prop::sample::Index]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(
        b"\xEF\xBB\xBF#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n",
    );
    out.extend_from_slice(match kind {
        LogKind::Receive => b"#Log-type: SMTP Receive Protocol Log\r\n".as_slice(),
        LogKind::Send => b"#Log-type: SMTP Send Protocol Log\r\n".as_slice(),
    });
    out.extend_from_slice(b"#Date: 2026-11-25T00:00:03.112Z\r\n");
    out.extend_from_slice(FIELDS_LINE.as_bytes());
    out.extend_from_slice(b"\r\n");
    // Every session's full row list: `+` at 0, the middle, `-` at the end; the rows the
    // log lost are dropped after numbering, so the sequence numbers stay true.
    let mut queues: Vec<Vec<Vec<u8>>> = sessions
        .iter()
        .enumerate()
        .map(|(i, plan)| {
            let sid = format!("08DE2C0F3A13{:04X}", 0x2010 + i);
            let remote = format!("198.51.100.{}:25", 70 + plan.remote);
            let (connector, local) = match kind {
                LogKind::Receive => ("EX01\\Default Frontend EX01", "10.0.1.11:25"),
                LogKind::Send => ("Internet", "10.0.1.12:50985"),
            };
            let mut rows = vec![(b'+', vec![], vec![])];
            rows.extend(session_rows(kind, plan));
            rows.push((b'-', vec![], s_bytes("Local")));
            let last = rows.len() - 1;
            rows.into_iter()
                .enumerate()
                .filter(|(seq, _)| (plan.has_start || *seq != 0) && (plan.has_end || *seq != last))
                .map(|(seq, (event, data, context))| {
                    let ms =
                        1_700_000_000_000i64 + i64::from(plan.day) * 86_400_000 + seq as i64 * 37;
                    let ts = time::format_millis(ms);
                    csv_row([
                        ts.as_bytes(),
                        connector.as_bytes(),
                        sid.as_bytes(),
                        seq.to_string().as_bytes(),
                        local.as_bytes(),
                        remote.as_bytes(),
                        &[event],
                        &data,
                        &context,
                    ])
                })
                .rev()
                .collect()
        })
        .collect();
    let mut order = order.iter();
    loop {
        let open: Vec<usize> = (0..queues.len())
            .filter(|&i| !queues[i].is_empty())
            .collect();
        if open.is_empty() {
            break;
        }
        let pick = match order.next() {
            Some(ix) => open[ix.index(open.len())],
            None => open[0],
        };
        out.extend(queues[pick].pop().unwrap());
    }
    out
}

fn s_bytes(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

/// Byte offsets just after each `\n`, the places a stretch may start.
fn line_starts(input: &[u8]) -> Vec<usize> {
    let mut v: Vec<usize> = input
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i + 1)
        .collect();
    v.insert(0, 0);
    v
}

fn same_result(whole: &Partial, split: &Partial) -> Result<(), TestCaseError> {
    prop_assert_eq!(whole.stats().sessions, split.stats().sessions);
    prop_assert_eq!(whole.stats().rows, split.stats().rows);
    prop_assert_eq!(whole.stats().malformed_rows, split.stats().malformed_rows);
    let named = |p: &Partial| {
        (p.named_cells().into_iter())
            .map(|c| (c.peer.clone(), c.outcome.clone(), c.day, c.counts))
            .collect::<Vec<_>>()
    };
    prop_assert_eq!(named(whole), named(split));
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn scanner_takes_any_bytes(
        kind in kind(),
        input in log_bytes(600),
        cut in any::<prop::sample::Index>(),
    ) {
        let whole = scan(kind, &input, None);
        let starts = line_starts(&input);
        let _ = scan(kind, &input, Some(starts[cut.index(starts.len())]));
        let _ = smtptls::report::build(whole, &[], &smtptls::report::Policy::default());
    }

    #[test]
    fn scanner_takes_random_rows(
        kind in kind(),
        rows in vec(
            (
                prop::sample::select(&["08DE2C0F3A132019", "08DE2C0F3A13201A", "SessionId", ""][..]),
                0u32..12,
                step(),
            ),
            0..60,
        ),
        cut in any::<prop::sample::Index>(),
    ) {
        // Rows in any order, ids reused, sequence numbers repeated: nothing a real log
        // would hold, but the scanner must still read it.
        let mut input = Vec::new();
        for (sid, seq, step) in &rows {
            let plan = SessionPlan { remote: 0, day: 0, has_start: true, has_end: true, steps: vec![step.clone()] };
            for (event, data, context) in session_rows(kind, &plan) {
                input.extend(csv_row([
                    b"2026-11-25T14:11:08.547Z",
                    b"EX01\\Default Frontend EX01",
                    sid.as_bytes(),
                    seq.to_string().as_bytes(),
                    b"10.0.1.11:25",
                    b"198.51.100.75:25",
                    &[event],
                    &data,
                    &context,
                ]));
            }
        }
        let whole = scan(kind, &input, None);
        let starts = line_starts(&input);
        let _ = scan(kind, &input, Some(starts[cut.index(starts.len())]));
        let _ = smtptls::report::build(whole, &[], &smtptls::report::Policy::default());
    }

    #[test]
    fn split_anywhere_reads_like_whole((kind, sessions, order) in log_plan(), cut in any::<prop::sample::Index>()) {
        let input = render(kind, &sessions, &order);
        let whole = scan(kind, &input, None);
        let starts = line_starts(&input);
        let split = scan(kind, &input, Some(starts[cut.index(starts.len())]));
        same_result(&whole, &split)?;
        // Every session that left a row is counted once; whole only with both ends.
        let logged = sessions
            .iter()
            .filter(|s| s.has_start || s.has_end || !s.steps.is_empty())
            .count() as u64;
        let complete = sessions.iter().filter(|s| s.has_start && s.has_end).count() as u64;
        prop_assert_eq!(whole.stats().sessions, logged);
        prop_assert_eq!(whole.stats().partial_sessions, logged - complete);
    }

    #[test]
    fn fed_in_pieces_reads_like_whole(
        (kind, sessions, order) in log_plan(),
        pieces in vec(0usize..300, 0..8),
    ) {
        let input = render(kind, &sessions, &order);
        same_result(&scan(kind, &input, None), &scan_in_pieces(kind, &input, &pieces))?;
    }
}
