//! What follows a failed STARTTLS. Each remote host keeps one habit for the whole corpus
//! as a sender (`retry_in`: our receive logs) and our send connector keeps one towards it
//! (`retry_out`: our send logs): retry at once without STARTTLS, retry with STARTTLS
//! (from or to another address of the partner), or give up. Drawn here too: the old MTAs
//! that drop the handshake when offered more than TLS 1.0, and the partners our send
//! connector requires TLS for.

use crate::host::{Host, HostKind};
use crate::rng::Rng;
use crate::tls::Profile;

/// A habit after a failed STARTTLS.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum After {
    /// reconnect within seconds without STARTTLS (opportunistic TLS)
    Clear,
    /// reconnect within minutes and try STARTTLS again
    Tls,
    /// send nothing more (for the hour, or for good)
    GiveUp,
}

/// Which attempt a session is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Try {
    /// a first attempt, as the host's TLS profile has it
    First,
    /// retry number `n` after a failure, without STARTTLS when `clear`
    Retry { clear: bool, n: u8 },
    /// a session of a low-traffic partner that its schedule has fail its handshake
    Fail,
}

/// TLS retries in a row before a host gives up: a host that always fails must not
/// retry for ever.
const MAX_TLS_RETRIES: u8 = 2;

/// What follows failed attempt `t` of a host with habit `after`: the next attempt, if any.
pub fn next_try(after: After, t: Try) -> Option<Try> {
    let n = match t {
        Try::Retry { n, .. } => n,
        _ => 0,
    };
    match after {
        After::Clear => Some(Try::Retry {
            clear: true,
            n: n + 1,
        }),
        After::Tls if n < MAX_TLS_RETRIES => Some(Try::Retry {
            clear: false,
            n: n + 1,
        }),
        _ => None,
    }
}

/// The habits of every host, in host order, from `rng` (a stream of its own, so the
/// world's other draws stay as they were); then RequireTLS for a few of the generated
/// partner domains `partners` (their host lists).
pub fn draw_habits(hosts: &mut [Host], partners: &[Vec<u32>], rng: &mut Rng) {
    for h in hosts.iter_mut() {
        h.retry_in = if h.kind == HostKind::Bot {
            After::GiveUp
        } else {
            rng.weighted(&[(After::Clear, 50), (After::Tls, 25), (After::GiveUp, 25)])
        };
        // Old software on old TLS: about a third of such partner MTAs drop the
        // connection when our newer servers offer TLS 1.2.
        h.drops_above_10 = h.kind == HostKind::Partner
            && matches!(
                h.profile,
                Profile::Tls10 | Profile::Tls10Weak | Profile::Ssl3
            )
            && rng.chance(0.35);
        h.retry_out = if h.drops_above_10 {
            rng.weighted(&[(After::Clear, 60), (After::GiveUp, 40)])
        } else {
            rng.weighted(&[(After::Clear, 65), (After::Tls, 20), (After::GiveUp, 15)])
        };
    }
    for g in partners {
        require_tls(hosts, g, rng);
    }
}

/// Whether our send connector requires TLS for the partner with hosts `g`: never when
/// one of them offers no STARTTLS (the mail could not go at all), more often for
/// partners whose TLS sometimes or always fails (the interesting case). Required TLS
/// never falls back to cleartext.
fn require_tls(hosts: &mut [Host], g: &[u32], rng: &mut Rng) {
    let profiles = || g.iter().map(|&i| hosts[i as usize].profile);
    if profiles().any(|p| p == Profile::Clear) {
        return;
    }
    let failing = profiles().any(|p| matches!(p, Profile::Flaky | Profile::Fail));
    if !rng.chance(if failing { 0.3 } else { 0.03 }) {
        return;
    }
    for &i in g {
        let h = &mut hosts[i as usize];
        h.require_tls = true;
        if h.retry_out == After::Clear {
            h.retry_out = if h.drops_above_10 || rng.chance(0.4) {
                After::GiveUp
            } else {
                After::Tls
            };
        }
    }
}
