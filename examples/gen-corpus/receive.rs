//! Receive-log sessions: internet-facing clients (partners, address literals, devices,
//! submitters, bots) at a FrontEnd or 2010 server, and our own servers handing mail on to
//! a Hub.

use crate::dialogue::{
    host_cert, internal_dec, msg_id, msg_size, negotiated, our_banner, our_cert, our_ehlo_reply,
    queued_reply, xproxyfrom, LOCAL_PARTS, PERMS_ANON, PERMS_INT, PERMS_SUBMIT,
};
use crate::expected::{Out, DIR_INTERNAL};
use crate::fallback::{next_try, Try};
use crate::host::{Host, HostKind};
use crate::server::{Flavor, Srv};
use crate::session::{Count, Local, Session, State};
use crate::time::iso;
use crate::tls::{attempt, Dec, Suite, Ver};

/// The names bots greet with, one drawn per session.
const BOT_NAMES: &[&str] = &[
    "ylmf-pc",
    "User",
    "WIN-3K2J1TQ5",
    "localhost",
    "Windows7",
    "EHLO",
    "mail",
    "[127.0.0.1]",
];

/// The receive connector and port a client of `kind` reaches: devices relay through
/// their own connector, submitters submit at the client connector on 587.
fn internet_connector(srv: &Srv, kind: HostKind) -> (String, u16) {
    let n = &srv.name;
    match kind {
        HostKind::Device => (format!("{n}\\Anonymous Relay {n}"), 25),
        HostKind::Submitter if srv.flavor == Flavor::Ex2010 => (format!("{n}\\Client {n}"), 587),
        HostKind::Submitter => (format!("{n}\\Client Frontend {n}"), 587),
        _ if srv.flavor == Flavor::Ex2010 => (format!("{n}\\Internet Mail"), 25),
        _ => (format!("{n}\\Default Frontend {n}"), 25),
    }
}

/// A session from address `ip:port`, a client of `kind`, up to our banner: connect,
/// permissions, 220.
pub fn internet_session(l: Local, sid: u64, ip: &str, port: u64, kind: HostKind) -> Session {
    let (connector, lport) = internet_connector(l.srv, kind);
    let mut s = Session::new(
        sid,
        connector,
        format!("{}:{lport}", l.srv.ipstr),
        format!("{ip}:{port}"),
    );
    s.r("+", "", "");
    s.r("*", PERMS_ANON, "Set Session Permissions");
    s.r(">", &our_banner(l.srv, l.now), "");
    s
}

/// A session of host `hid` at our server, attempt `t` (a retry after a failed STARTTLS,
/// or a failure a schedule wants). The session's ground truth is counted here.
pub fn recv_ext(l: Local, st: &mut State, hid: u32, t: Try) -> Session {
    let srv = l.srv;
    let h = &l.w.hosts[hid as usize];
    // The port is drawn before the session id: the corpus depends on the order.
    let port = st.port();
    let sid = st.sid(l.srv_i);
    let mut s = internet_session(l, sid, &h.ipstr, port, h.kind);
    let submit = h.kind == HostKind::Submitter;

    let mut name = h.name.clone();
    if h.kind == HostKind::Bot {
        if st.rng.chance(0.4) {
            bot_port_probe(&mut s, st, h);
            return s;
        }
        name = st.rng.pick(BOT_NAMES).to_string();
    }
    let dec = attempt(h, srv.max_ver, false, t, &mut st.rng);
    let helo = h.helo && matches!(dec, Dec::Clear);
    s.r(
        "<",
        &format!("{} {}", if helo { "HELO" } else { "EHLO" }, name),
        "",
    );
    s.r(">", &ehlo_reply(srv, h, helo, true), "");

    let (out, weak) = match dec {
        Dec::Clear => (Out::Clear, false),
        Dec::Ok(v, suite) => inbound_tls(&mut s, l, h, &name, v, &suite),
        Dec::Fail(_) | Dec::Dropped => {
            inbound_failed(&mut s, l, st, hid, (dec, t));
            return s;
        }
    };

    let nmsg = inbound_message_count(st, h.kind);
    if h.kind == HostKind::Bot {
        s.r("<", "AUTH LOGIN", "");
        s.r(">", "504 5.7.4 Unrecognized authentication type", "");
    }
    if submit {
        auth_login(&mut s, h);
    }
    for k in 0..nmsg {
        inbound_message(&mut s, l, st, h, k);
    }
    inbound_close(&mut s, st);
    st.account(&mut s, host_count(h, out, nmsg, weak));
    s
}

/// What a session of host `h` counts as: under its direction and partner, from its address.
fn host_count(h: &Host, out: Out, msgs: u64, weak: bool) -> Count {
    Count {
        dir: h.dir,
        pid: h.pid,
        ip: h.ip,
        out,
        msgs,
        weak,
    }
}

/// The failed STARTTLS of attempt `t` (decided `dec`), and what the sender does next as
/// its habit has it: the same address again without STARTTLS, or another of its
/// addresses with STARTTLS, under a new session.
fn inbound_failed(s: &mut Session, l: Local, st: &mut State, hid: u32, (dec, t): (Dec, Try)) {
    let h = &l.w.hosts[hid as usize];
    let err = match dec {
        Dec::Fail(e) => e,
        _ => Some("SocketError"),
    };
    inbound_tls_failure(s, l, st, err);
    st.account(s, host_count(h, Out::Failed, 0, false));
    if let Some(next) = next_try(h.retry_in, t) {
        let from = match next {
            Try::Retry { clear: false, .. } => l.w.sibling(hid, &mut st.rng),
            _ => hid,
        };
        s.followup = Some(Box::new(recv_ext(l, st, from, next)));
    }
}

/// Our reply to a client's EHLO (HELO when `helo`), STARTTLS offered while `starttls`:
/// the client connector offers basic authentication (LOGIN) too.
fn ehlo_reply(srv: &Srv, h: &Host, helo: bool, starttls: bool) -> String {
    let r = our_ehlo_reply(srv, &h.ipstr, helo, starttls, false);
    if h.kind == HostKind::Submitter {
        r.replacen(" AUTH NTLM", " AUTH GSSAPI NTLM LOGIN", 1)
    } else {
        r
    }
}

/// A submitter's `AUTH LOGIN` (user name and password each behind a 334 challenge) that
/// succeeds: the account it authenticated as, its permissions, our 235.
fn auth_login(s: &mut Session, h: &Host) {
    s.r("<", "AUTH LOGIN", "");
    s.r(">", "334 <authentication response>", "");
    s.r("<", "<authentication response>", "");
    s.r(">", "334 <authentication response>", "");
    s.r("<", "<authentication response>", "");
    s.r("*", "", "Inbound AUTH LOGIN");
    s.r("*", PERMS_SUBMIT, "Set Session Permissions");
    s.r("*", &submit_account(h), "authenticated");
    s.r(">", "235 2.7.0 Authentication successful", "");
}

/// The service account a submitter logs on with: `svc-` and the first label of its name
/// (its address, dashed, for an address literal), in corp.example.
fn submit_account(h: &Host) -> String {
    let label = if h.name.starts_with('[') {
        h.ipstr.replace('.', "-")
    } else {
        h.name.split('.').next().unwrap_or("").to_ascii_lowercase()
    };
    format!("svc-{label}@corp.example")
}

/// A port scanner: no greeting at all, gone at once or timed out.
fn bot_port_probe(s: &mut Session, st: &mut State, h: &Host) {
    s.r(
        "-",
        "",
        if st.rng.chance(0.5) {
            "Remote"
        } else {
            "Timeout"
        },
    );
    st.account(s, host_count(h, Out::NoConversation, 0, false));
}

/// STARTTLS that succeeds, up to our second EHLO reply; 2013+ then log how the client
/// certificate and the TLS domain checked out.
fn inbound_tls(
    s: &mut Session,
    l: Local,
    h: &Host,
    name: &str,
    v: Ver,
    suite: &Suite,
) -> (Out, bool) {
    let srv = l.srv;
    s.r("<", "STARTTLS", "");
    s.r(">", "220 2.0.0 SMTP server ready", "");
    our_cert(s, srv, false, "Sending certificate");
    if h.client_cert {
        host_cert(s, srv.flavor.single_row_cert(), "Remote certificate", h);
    }
    let negotiated = negotiated(s, l, v, false, suite);
    s.r("<", &format!("EHLO {name}"), "");
    if srv.flavor != Flavor::Ex2010 {
        if h.client_cert {
            s.r(
                "*",
                "",
                "Client certificate chain validation status: 'Valid'",
            );
            let d = &l.w.names[h.pid as usize];
            s.r(
                "*",
                "",
                &format!("TlsDomainCapabilities='None'; Status='Success'; Domain='{d}'"),
            );
        } else {
            s.r(
                "*",
                "",
                "Client certificate chain validation status: 'EmptyCertificate'",
            );
            s.r(
                "*",
                "",
                "TlsDomainCapabilities='None'; Status='NoRemoteCertificate'",
            );
        }
    }
    s.r(">", &ehlo_reply(srv, h, false, false), "");
    negotiated
}

/// STARTTLS that fails: the error line where the version logs one, then the disconnect.
fn inbound_tls_failure(s: &mut Session, l: Local, st: &mut State, err: Option<&str>) {
    s.r("<", "STARTTLS", "");
    s.r(">", "220 2.0.0 SMTP server ready", "");
    our_cert(s, l.srv, false, "Sending certificate");
    match err {
        Some(e) if l.srv.flavor.logs_tls() => {
            s.r("*", "", &format!("TLS negotiation failed with error {e}"));
            s.r(
                "-",
                "",
                if st.rng.chance(0.5) {
                    "Local"
                } else {
                    "Remote"
                },
            );
        }
        _ => s.r(
            "-",
            "",
            st.rng
                .pick_str(&["Remote", "Remote(ConnectionReset)", "Remote(SocketError)"]),
        ),
    }
}

/// Most sessions bring one message, some none, a few several; bots never do.
fn inbound_message_count(st: &mut State, kind: HostKind) -> u64 {
    if kind == HostKind::Bot {
        return 0;
    }
    let r = st.rng.f64();
    if r < 0.08 {
        0
    } else if r < 0.8 {
        1
    } else {
        st.rng.range(2, 5)
    }
}

/// Message `k` of the session: MAIL FROM, 1–3 recipients (some unknown), DATA or BDAT
/// and our queued reply; reset instead when no recipient was accepted.
fn inbound_message(s: &mut Session, l: Local, st: &mut State, h: &Host, k: u64) {
    let dom = match (h.kind, h.mail_domain) {
        (HostKind::Device | HostKind::Submitter, _) => "org.example".to_string(),
        (_, Some(d)) => l.w.names[d as usize].clone(),
        _ => l.w.random_domain(&mut st.rng).to_string(),
    };
    // Drawn even when the Latin-1 sender below does not use it.
    let lp = *st.rng.pick(LOCAL_PARTS);
    let size = msg_size(&mut st.rng);
    if st.rng.below(1500) == 0 {
        // a peer sending raw Latin-1: invalid UTF-8 in the data column
        let mut d = b"MAIL FROM:<j".to_vec();
        d.push(0xFC);
        d.extend_from_slice(format!("rgen@{dom}> SIZE={size}").as_bytes());
        s.rb("<", &d, "");
    } else {
        s.r("<", &format!("MAIL FROM:<{lp}@{dom}> SIZE={size}"), "");
    }
    s.r(
        "*",
        &format!("{:016X};{};{}", s.sid, iso(l.now), k + 1),
        "receiving message",
    );
    s.r(">", "250 2.1.0 Sender OK", "");
    let nr = st.rng.weighted(&[(1u64, 75), (2, 15), (3, 10)]);
    let mut ok = 0;
    for _ in 0..nr {
        let to = *st.rng.pick(LOCAL_PARTS);
        s.r("<", &format!("RCPT TO:<{to}@org.example>"), "");
        if st.rng.chance(0.03) {
            s.r(">", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", "");
        } else {
            s.r(">", "250 2.1.5 Recipient OK", "");
            ok += 1;
        }
    }
    if ok == 0 {
        s.r("<", "RSET", "");
        s.r(">", "250 2.0.0 Resetting", "");
        return;
    }
    if st.rng.chance(0.5) {
        s.r("<", &format!("BDAT {size} LAST"), "");
    } else {
        s.r("<", "DATA", "");
        s.r(">", "354 Start mail input; end with <CRLF>.<CRLF>", "");
    }
    let mid = msg_id(&mut st.rng, &dom);
    let q = queued_reply(l.srv, st, l.srv_i, &mid, size);
    s.r(">", &q, "");
}

/// Most clients say QUIT; the rest just drop the connection.
fn inbound_close(s: &mut Session, st: &mut State) {
    if st.rng.chance(0.88) {
        s.r("<", "QUIT", "");
        s.r(">", "221 2.0.0 Service closing transmission channel", "");
        s.r("-", "", "Local");
    } else {
        s.r("-", "", "Remote");
    }
}

/// A session from our server `peer_i` (a FrontEnd proxying when `proxy`, or a Hub) at
/// this server's Hub receive connector, over X-ANONYMOUSTLS.
pub fn recv_int(l: Local, st: &mut State, peer_i: usize, proxy: bool) -> Session {
    let srv = l.srv;
    let peer = &l.w.servers[peer_i];
    let lport = if srv.flavor == Flavor::Ex2010 {
        25
    } else {
        2525
    };
    let port = st.port();
    let mut s = Session::new(
        st.sid(l.srv_i),
        format!("{}\\Default {}", srv.name, srv.name),
        format!("{}:{lport}", srv.ipstr),
        format!("{}:{port}", peer.ipstr),
    );
    s.r("+", "", "");
    s.r("*", PERMS_ANON, "Set Session Permissions");
    s.r(">", &our_banner(srv, l.now), "");
    let (out, weak) = internal_handshake_in(&mut s, l, peer);
    if proxy {
        let x = xproxyfrom(l.w, st);
        s.r("<", &x, "");
        s.r(">", "250 XProxyFrom accepted", "");
    }
    let nmsg = st
        .rng
        .weighted(&[(1u64, 60), (2, 20), (3, 10), (5, 6), (9, 4)]);
    for k in 0..nmsg {
        internal_message_in(&mut s, l, st, k);
    }
    s.r("<", "QUIT", "");
    s.r(">", "221 2.0.0 Service closing transmission channel", "");
    s.r("-", "", "Local");
    let c = Count {
        dir: DIR_INTERNAL,
        pid: peer.pid,
        ip: peer.ip,
        out,
        msgs: nmsg,
        weak,
    };
    st.account(&mut s, c);
    s
}

/// EHLO, X-ANONYMOUSTLS, EHLO again, Exchange authentication and the internal
/// permissions.
fn internal_handshake_in(s: &mut Session, l: Local, peer: &Srv) -> (Out, bool) {
    let srv = l.srv;
    s.r("<", &format!("EHLO {}", peer.fqdn), "");
    s.r(
        ">",
        &our_ehlo_reply(srv, &peer.ipstr, false, true, true),
        "",
    );
    s.r("<", "X-ANONYMOUSTLS", "");
    s.r(">", "220 2.0.0 SMTP server ready", "");
    our_cert(s, srv, true, "Sending certificate");
    let (v, suite) = internal_dec(srv, peer);
    let negotiated = negotiated(s, l, v, false, &suite);
    s.r("<", &format!("EHLO {}", peer.fqdn), "");
    s.r(
        ">",
        &our_ehlo_reply(srv, &peer.ipstr, false, false, true),
        "",
    );
    s.r("<", "X-EXPS EXCHANGEAUTH SHA256", "");
    s.r(">", "235 <authentication response>", "");
    s.r("*", &format!("CORP\\{}$", peer.name), "authenticated");
    s.r("*", PERMS_INT, "Set Session Permissions");
    negotiated
}

/// Message `k` from another of our servers: one recipient, BDAT, our queued reply.
fn internal_message_in(s: &mut Session, l: Local, st: &mut State, k: u64) {
    let dom = l.w.random_domain(&mut st.rng).to_string();
    let lp = *st.rng.pick(LOCAL_PARTS);
    let size = msg_size(&mut st.rng);
    s.r(
        "<",
        &format!("MAIL FROM:<{lp}@{dom}> SIZE={size} BODY=8BITMIME"),
        "",
    );
    s.r(
        "*",
        &format!("{:016X};{};{}", s.sid, iso(l.now), k + 1),
        "receiving message",
    );
    s.r(">", "250 2.1.0 Sender OK", "");
    let to = *st.rng.pick(LOCAL_PARTS);
    s.r("<", &format!("RCPT TO:<{to}@org.example>"), "");
    s.r(">", "250 2.1.5 Recipient OK", "");
    s.r("<", &format!("BDAT {size} LAST"), "");
    let mid = msg_id(&mut st.rng, &dom);
    let q = queued_reply(l.srv, st, l.srv_i, &mid, size);
    s.r(">", &q, "");
}
