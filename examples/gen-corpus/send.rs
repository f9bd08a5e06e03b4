//! Send-log sessions: our servers delivering to partner MTAs on the internet, and to each
//! other (FrontEnd proxy to Hub, Hub to Hub) over X-ANONYMOUSTLS.

use crate::dialogue::{
    ehlo_reply_rows, exchange_ehlo_lines, host_cert, internal_dec, msg_id, msg_size, negotiated,
    our_banner, our_cert, queued_reply, xproxyfrom, LOCAL_PARTS,
};
use crate::expected::{Out, DIR_INTERNAL, DIR_OUT};
use crate::fallback::{next_try, Try};
use crate::host::{Banner, Host};
use crate::remote::{remote_banner, remote_ehlo_lines, remote_queued_reply, tls_ready};
use crate::server::{Flavor, Srv};
use crate::session::{Count, Local, Session, State};
use crate::tls::{attempt, Dec, Profile, Suite, Ver};

/// What a TLS-required connector logs before it connects (the connector itself does
/// not require TLS; the destination's TLS settings override it).
const REQUIRE_TLS: &str = "Overriding connector TLS configuration: TlsAuthLevel -> : CertificateValidation, IgnoreSTARTTLS -> False : False, RequireTLS -> False : True";

/// The rows a send log writes before the connection exists (hence no local endpoint);
/// `require_tls` = the destination requires TLS.
fn send_prologue(s: &mut Session, require_tls: bool) {
    s.r("*", "SendRoutingHeaders", "Set Session Permissions");
    s.r("*", "", "attempting to connect");
    s.empty_local = 2;
    if require_tls {
        s.r("*", "", REQUIRE_TLS);
        s.empty_local = 3;
    }
    s.r("+", "", "");
}

/// Our server delivering to our server `peer_i`: proxied mail from a FrontEnd when
/// `proxy`, else Hub to Hub over the intra-organisation connector.
pub fn send_int(l: Local, st: &mut State, peer_i: usize, proxy: bool) -> Session {
    let srv = l.srv;
    let peer = &l.w.servers[peer_i];
    let rport = if peer.flavor == Flavor::Ex2010 {
        25
    } else {
        2525
    };
    let conn = if proxy {
        "Inbound Proxy Internal Send Connector"
    } else {
        srv.intra_conn
    };
    let port = st.port();
    let mut s = Session::new(
        st.sid(l.srv_i),
        conn.to_string(),
        format!("{}:{port}", srv.ipstr),
        format!("{}:{rport}", peer.ipstr),
    );
    send_prologue(&mut s, false);
    let (out, weak) = internal_handshake_out(&mut s, l, peer);
    if proxy {
        let x = xproxyfrom(l.w, st);
        s.r(">", &x, "");
        s.r("<", "250 XProxyFrom accepted", "");
    }
    let nmsg = if proxy {
        st.rng.weighted(&[(1u64, 85), (2, 15)])
    } else {
        st.rng
            .weighted(&[(1u64, 50), (2, 20), (4, 15), (8, 10), (15, 5)])
    };
    for _ in 0..nmsg {
        internal_message_out(&mut s, l, st, peer_i, proxy);
    }
    s.r(">", "QUIT", "");
    s.r("<", "221 2.0.0 Service closing transmission channel", "");
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

/// The peer's banner, EHLO, X-ANONYMOUSTLS with its certificate, EHLO again and
/// Exchange authentication.
fn internal_handshake_out(s: &mut Session, l: Local, peer: &Srv) -> (Out, bool) {
    let srv = l.srv;
    s.r("<", &our_banner(peer, l.now), "");
    s.r(">", &format!("EHLO {}", srv.fqdn), "");
    let flat = srv.flavor.flat_ehlo();
    ehlo_reply_rows(s, flat, &exchange_ehlo_lines(peer, &srv.ipstr, true));
    s.r(">", "X-ANONYMOUSTLS", "");
    s.r("<", "220 2.0.0 SMTP server ready", "");
    our_cert(s, peer, true, "Remote certificate");
    let (v, suite) = internal_dec(srv, peer);
    let negotiated = negotiated(s, l, v, true, &suite);
    s.r("*", "", "Received certificate");
    s.r("*", &peer.thumb, "Certificate thumbprint");
    s.r(">", &format!("EHLO {}", srv.fqdn), "");
    ehlo_reply_rows(s, flat, &exchange_ehlo_lines(peer, &srv.ipstr, false));
    s.r(">", "X-EXPS EXCHANGEAUTH SHA256", "");
    s.r("<", "235 <authentication response>", "");
    negotiated
}

/// One message to our server `peer_i`; only Hub-to-Hub mail has a RecordId line.
fn internal_message_out(s: &mut Session, l: Local, st: &mut State, peer_i: usize, proxy: bool) {
    let dom = l.w.random_domain(&mut st.rng).to_string();
    let size = msg_size(&mut st.rng);
    let mid = msg_id(&mut st.rng, &dom);
    if !proxy {
        st.record_id[l.srv_i] += 1;
        s.r(
            "*",
            "",
            &format!(
                "sending message with RecordId {} and InternetMessageId {mid}",
                st.record_id[l.srv_i]
            ),
        );
    }
    let lp = *st.rng.pick(LOCAL_PARTS);
    s.r(
        ">",
        &format!("MAIL FROM:<{lp}@{dom}> SIZE={size} BODY=8BITMIME"),
        "",
    );
    let to = *st.rng.pick(LOCAL_PARTS);
    s.r(">", &format!("RCPT TO:<{to}@org.example>"), "");
    s.r("<", "250 2.1.0 Sender OK", "");
    s.r("<", "250 2.1.5 Recipient OK", "");
    s.r(">", &format!("BDAT {size} LAST"), "");
    let peer = &l.w.servers[peer_i];
    let q = queued_reply(peer, st, peer_i, &mid, size);
    s.r("<", &q, "");
}

/// Our server delivering to partner MTA `hid`, attempt `t`; a retry carries the `carry`
/// messages of the failed session it follows (0: draw how many wait).
pub fn send_ext(l: Local, st: &mut State, hid: u32, t: Try, carry: u64) -> Session {
    let srv = l.srv;
    let h = &l.w.hosts[hid as usize];
    let conn = if srv.flavor == Flavor::Ex2010 {
        "Internet"
    } else {
        "Outbound to Internet"
    };
    let port = st.port();
    let mut s = Session::new(
        st.sid(l.srv_i),
        conn.to_string(),
        format!("{}:{port}", srv.ipstr),
        format!("{}:25", h.ipstr),
    );
    send_prologue(&mut s, h.require_tls);
    // 2010 greets with the organisation's public name, newer versions with their own.
    let our = if srv.flavor == Flavor::Ex2010 {
        "mail.org.example".to_string()
    } else {
        srv.fqdn.clone()
    };
    s.r("<", &remote_banner(h, l.now, &mut st.rng), "");
    s.r(">", &format!("EHLO {our}"), "");
    let flat = srv.flavor.flat_ehlo();
    let advertises = h.profile != Profile::Clear;
    ehlo_reply_rows(&mut s, flat, &remote_ehlo_lines(h, &our, advertises));
    let dec = if advertises {
        attempt(h, srv.max_ver, true, t, &mut st.rng)
    } else {
        Dec::Clear
    };
    let nmsg = if carry > 0 {
        carry
    } else {
        outbound_message_count(st, h)
    };
    let (out, weak) = match dec {
        Dec::Clear => (Out::Clear, false),
        Dec::Ok(v, suite) => outbound_tls(&mut s, l, h, &our, v, &suite),
        Dec::Fail(_) | Dec::Dropped => {
            outbound_tls_failure(&mut s, l, st, h, dec);
            outbound_failed(&mut s, l, st, hid, (t, nmsg));
            return s;
        }
    };
    let chunking = matches!(h.style, Banner::Ms | Banner::Google | Banner::Postfix);
    for _ in 0..nmsg {
        outbound_message(&mut s, l, st, h, chunking);
    }
    s.r(">", "QUIT", "");
    s.r("<", "221 2.0.0 Bye", "");
    s.r("-", "", "Local");
    st.account(&mut s, out_count(h, out, nmsg, weak));
    s
}

/// What a session to host `h` counts as: outbound, under its partner, to its address.
fn out_count(h: &Host, out: Out, msgs: u64, weak: bool) -> Count {
    Count {
        dir: DIR_OUT,
        pid: h.pid,
        ip: h.ip,
        out,
        msgs,
        weak,
    }
}

/// Counts failed attempt `t` to host `hid`, and adds what our connector does next as its
/// habit towards the host has it: the same host again without STARTTLS (opportunistic
/// TLS), or the partner's next MX with STARTTLS, with the `nmsg` messages still queued.
fn outbound_failed(s: &mut Session, l: Local, st: &mut State, hid: u32, (t, nmsg): (Try, u64)) {
    let h = &l.w.hosts[hid as usize];
    st.account(s, out_count(h, Out::Failed, 0, false));
    if let Some(next) = next_try(h.retry_out, t) {
        let to = match next {
            Try::Retry { clear: false, .. } => l.w.sibling(hid, &mut st.rng),
            _ => hid,
        };
        s.followup = Some(Box::new(send_ext(l, st, to, next, nmsg)));
    }
}

/// How many messages wait for this host: big providers (no mail domain of their own)
/// get the longest queues.
fn outbound_message_count(st: &mut State, h: &Host) -> u64 {
    let big = h.mail_domain.is_none();
    st.rng.weighted(&[
        (1u64, 62),
        (2, 14),
        (3, 8),
        (5, 7),
        (8, 5),
        (if big { 20 } else { 12 }, 4),
    ])
}

/// STARTTLS that succeeds, up to the host's second EHLO reply.
fn outbound_tls(
    s: &mut Session,
    l: Local,
    h: &Host,
    our: &str,
    v: Ver,
    suite: &Suite,
) -> (Out, bool) {
    let single = l.srv.flavor.single_row_cert();
    s.r(">", "STARTTLS", "");
    s.r("<", tls_ready(h.style), "");
    host_cert(s, single, "Remote certificate", h);
    let negotiated = negotiated(s, l, v, true, suite);
    s.r("*", "", "Received certificate");
    s.r("*", &h.thumb, "Certificate thumbprint");
    s.r(">", &format!("EHLO {our}"), "");
    ehlo_reply_rows(
        s,
        l.srv.flavor.flat_ehlo(),
        &remote_ehlo_lines(h, our, false),
    );
    negotiated
}

/// STARTTLS that fails (`dec`): with the certificate and error line where the version
/// logs them, else the host just drops the connection; an old MTA offered more than
/// TLS 1.0 drops it before its certificate.
fn outbound_tls_failure(s: &mut Session, l: Local, st: &mut State, h: &Host, dec: Dec) {
    s.r(">", "STARTTLS", "");
    s.r("<", tls_ready(h.style), "");
    let err = match dec {
        Dec::Fail(e) => e,
        _ => {
            s.r("*", "", "TLS negotiation failed with error SocketError");
            s.r("-", "", "Remote(SocketError)");
            return;
        }
    };
    match err {
        Some(e) if l.srv.flavor.logs_tls() => {
            host_cert(s, l.srv.flavor.single_row_cert(), "Remote certificate", h);
            s.r("*", "", &format!("TLS negotiation failed with error {e}"));
            s.r("-", "", "Local");
        }
        _ => s.r(
            "-",
            "",
            st.rng.pick_str(&["Remote", "Remote(ConnectionReset)"]),
        ),
    }
}

/// One message to the host: RecordId line, MAIL FROM, 1–3 recipients, BDAT when the
/// host does CHUNKING else DATA, and the host's queued reply.
fn outbound_message(s: &mut Session, l: Local, st: &mut State, h: &Host, chunking: bool) {
    let rdom = match h.mail_domain {
        Some(d) => l.w.names[d as usize].clone(),
        None => l.w.random_domain(&mut st.rng).to_string(),
    };
    let mid = msg_id(&mut st.rng, "org.example");
    st.record_id[l.srv_i] += 1;
    s.r(
        "*",
        "",
        &format!(
            "sending message with RecordId {} and InternetMessageId {mid}",
            st.record_id[l.srv_i]
        ),
    );
    let lp = *st.rng.pick(LOCAL_PARTS);
    let size = msg_size(&mut st.rng);
    s.r(
        ">",
        &format!("MAIL FROM:<{lp}@org.example> SIZE={size}"),
        "",
    );
    let nr = st.rng.weighted(&[(1u64, 80), (2, 12), (3, 8)]);
    for _ in 0..nr {
        let to = *st.rng.pick(LOCAL_PARTS);
        s.r(">", &format!("RCPT TO:<{to}@{rdom}>"), "");
    }
    s.r("<", "250 2.1.0 Sender OK", "");
    for _ in 0..nr {
        s.r("<", "250 2.1.5 Recipient OK", "");
    }
    if chunking {
        s.r(">", &format!("BDAT {size} LAST"), "");
    } else {
        s.r(">", "DATA", "");
        s.r("<", "354 End data with <CR><LF>.<CR><LF>", "");
    }
    let q = remote_queued_reply(h, &mid, size, l.now, &mut st.rng);
    s.r("<", &q, "");
}
