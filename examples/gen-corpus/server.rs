//! Our own Exchange servers: the version each one runs and what that changes in its logs.

use crate::rng::hash_hex;
use crate::tls::{Kex, Ver};
use crate::world::{ip_str, Interner};
use std::collections::HashSet;

/// The Exchange version of a server; each writes its logs a little differently.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Flavor {
    Ex2019,
    Ex2016,
    Ex2013,
    Ex2010,
}

impl Flavor {
    /// Hourly log files (2016, 2019) rather than daily ones.
    pub fn hourly(self) -> bool {
        matches!(self, Flavor::Ex2019 | Flavor::Ex2016)
    }
    /// A certificate in one `*` row rather than one row per field.
    pub fn single_row_cert(self) -> bool {
        self == Flavor::Ex2019
    }
    /// A remote EHLO reply flattened into one send-log row.
    pub fn flat_ehlo(self) -> bool {
        self == Flavor::Ex2019
    }
    /// Writes the "TLS protocol ... negotiation succeeded" line (not 2010).
    pub fn logs_tls(self) -> bool {
        self != Flavor::Ex2010
    }
    pub fn max_ver(self) -> Ver {
        match self {
            Flavor::Ex2019 => Ver::T13,
            Flavor::Ex2016 | Flavor::Ex2013 => Ver::T12,
            Flavor::Ex2010 => Ver::T10,
        }
    }
    /// The `#Version:` of the log header.
    pub fn version(self) -> &'static str {
        if self == Flavor::Ex2010 {
            "14.0.0.0"
        } else {
            "15.0.0.0"
        }
    }
    /// 2013 spells ECDH key exchange its own way.
    pub fn kex_name(self, k: Kex) -> &'static str {
        match k {
            Kex::Ecdh => {
                if self == Flavor::Ex2013 {
                    "CALG_ECDHE"
                } else {
                    "CALG_ECDH_EPHEM"
                }
            }
            Kex::Rsa => "CALG_RSA_KEYX",
            Kex::Dh => "CALG_DH_EPHEM",
        }
    }
}

/// One of our Exchange servers.
pub struct Srv {
    pub name: String, // EX01
    pub fqdn: String, // EX01.corp.example
    pub ip: u32,
    pub ipstr: String,
    pub flavor: Flavor,
    /// the newest TLS version it negotiates: its flavour's, or TLS 1.0 for the
    /// `--tls10-server` (its Schannel has only TLS 1.0 enabled)
    pub max_ver: Ver,
    pub pid: u32, // interned lower-case fqdn
    pub thumb: String,
    pub serial: String,
    pub intra_conn: &'static str,
}

/// The servers EX01..EXnn: flavours cycle 2019, 2016, 2013 and the last `legacy` are
/// 2010; server index `tls10` (if any) negotiates at most TLS 1.0. Their addresses go
/// into `used` so no remote host is given one.
pub fn build_servers(
    (n, legacy, tls10): (usize, usize, Option<usize>),
    seed: u64,
    names: &mut Interner,
    used: &mut HashSet<u32>,
) -> Vec<Srv> {
    let mut servers = Vec::new();
    let mut modern_i = 0;
    for i in 0..n {
        let flavor = if i >= n - legacy {
            Flavor::Ex2010
        } else {
            let f = [Flavor::Ex2019, Flavor::Ex2016, Flavor::Ex2013][modern_i % 3];
            modern_i += 1;
            f
        };
        let name = format!("EX{:02}", i + 1);
        let fqdn = format!("{name}.corp.example");
        let ip = (10 << 24) | (10 << 16) | (11 + i as u32);
        used.insert(ip);
        // A localized installation names its built-in connector in its own language.
        let intra_conn = if flavor == Flavor::Ex2016 {
            "Внутренний соединитель отправки SMTP"
        } else {
            "Intra-Organization SMTP Send Connector"
        };
        servers.push(Srv {
            pid: names.id(&fqdn.to_ascii_lowercase()),
            name,
            fqdn,
            ip,
            ipstr: ip_str(ip),
            flavor,
            max_ver: if tls10 == Some(i) {
                flavor.max_ver().min(Ver::T10)
            } else {
                flavor.max_ver()
            },
            thumb: hash_hex(seed ^ (i as u64 + 1000), 40),
            serial: hash_hex(seed ^ (i as u64 + 2000), 32),
            intra_conn,
        });
    }
    servers
}
