//! The world the corpus describes: our servers, the remote hosts that talk to them
//! (providers, generated partners, address-literal clients, devices, submitters, bots),
//! and how often each partner is picked; the low-traffic partners that are never picked
//! but keep their own schedule (`sparse`).

use crate::cli::Cfg;
use crate::expected::DIR_CLIENT;
use crate::fallback::{draw_habits, After};
use crate::host::{case_variant, client_partner, style_for, Banner, Host, HostKind, HostSpec};
use crate::rng::Rng;
use crate::server::{build_servers, Flavor, Srv};
use crate::time::days_from_civil;
use crate::tls::{Profile, PROFILE_MIX};
use std::collections::{HashMap, HashSet};

pub struct World {
    pub servers: Vec<Srv>,
    /// the servers that are not Exchange 2010 (the FrontEnd/Hub split exists on them only)
    pub modern: Vec<usize>,
    pub hosts: Vec<Host>,
    /// partner host lists for zipf-weighted choice
    pub groups: Vec<Vec<u32>>,
    pub gcum: Vec<f64>,
    /// per host, the index of its group in `groups` or `sparse` (u32::MAX: none)
    group_of: Vec<u32>,
    /// the low-traffic partners' host lists: no zipf rank, a schedule of their own
    pub sparse: Vec<Vec<u32>>,
    pub literals: Vec<u32>,
    pub devices: Vec<u32>,
    /// devices and applications that authenticate before they send (2 or 3)
    pub submitters: Vec<u32>,
    pub bots: Vec<u32>,
    pub names: Vec<String>,     // interned partner keys
    pub mail_domains: Vec<u32>, // generated partner domains (ids into names)
    /// every address given to a server or host, so a later one can avoid them all
    pub used_ips: HashSet<u32>,
    pub start_ms: u64,
    pub mid_ms: u64,
}

impl World {
    /// A partner host: first its group (provider or partner domain) by a zipf law over
    /// ranks, so a few partners carry most of the mail, then one of the group's MTAs.
    pub fn pick_partner_host(&self, rng: &mut Rng) -> u32 {
        let total = *self.gcum.last().unwrap();
        let x = rng.f64() * total;
        let gi = self
            .gcum
            .partition_point(|&c| c <= x)
            .min(self.groups.len() - 1);
        *rng.pick(&self.groups[gi])
    }
    /// Another address of host `hid`'s partner (maybe the same one), where a retry
    /// comes from or goes to: senders retry from other MTAs, Exchange tries the next MX.
    pub fn sibling(&self, hid: u32, rng: &mut Rng) -> u32 {
        let g = self.group_of[hid as usize];
        let gi = g & !SPARSE_BIT;
        match g {
            u32::MAX => hid,
            _ if g & SPARSE_BIT != 0 => *rng.pick(&self.sparse[gi as usize]),
            _ => *rng.pick(&self.groups[gi as usize]),
        }
    }
    pub fn random_domain(&self, rng: &mut Rng) -> &str {
        &self.names[*rng.pick(&self.mail_domains) as usize]
    }
}

/// Marks a `group_of` entry as an index into `World::sparse`.
const SPARSE_BIT: u32 = 1 << 31;

/// Partner keys (lower-case domains, IPs, server FQDNs) as small ids, so the ground truth
/// is keyed by integers.
#[derive(Default)]
pub struct Interner {
    names: Vec<String>,
    map: HashMap<String, u32>,
}

impl Interner {
    pub fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.map.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_string());
        self.map.insert(s.to_string(), i);
        i
    }
}

pub fn ip_str(ip: u32) -> String {
    format!(
        "{}.{}.{}.{}",
        ip >> 24,
        (ip >> 16) & 255,
        (ip >> 8) & 255,
        ip & 255
    )
}

/// A public IPv4 address not in `used` (and then in it): no private, loopback,
/// link-local, CGNAT or documentation /8s, no .0 or .255 host part.
pub fn public_ip(rng: &mut Rng, used: &mut HashSet<u32>) -> u32 {
    loop {
        let a = rng.range(20, 223) as u32;
        if matches!(a, 100 | 127 | 169 | 172 | 192 | 198 | 203) {
            continue;
        }
        let ip = (a << 24) | (rng.below(1 << 24) as u32);
        if ip & 255 == 0 || ip & 255 == 255 {
            continue;
        }
        if used.insert(ip) {
            return ip;
        }
    }
}

const SUFFIXES: &[(&str, u32)] = &[
    ("com", 35),
    ("de", 12),
    ("co.uk", 8),
    ("com.au", 5),
    ("nl", 5),
    ("fr", 5),
    ("net", 6),
    ("org", 4),
    ("co.jp", 3),
    ("com.br", 3),
    ("it", 3),
    ("ch", 3),
    ("at", 2),
    ("org.uk", 2),
    ("be", 2),
    ("se", 2),
];

const DEVICE_NAMES: &[&str] = &[
    "KM-C458-3F",
    "KM-C308-2F",
    "KM-C658-EG",
    "HP-LJ-M607-4OG",
    "RICOH-MP-C3004",
    "XEROX-WC7855",
    "CANON-IRADV-C5535",
    "Backup-Veeam",
    "SCAN-EMPFANG",
    "NAS01",
    "SQL-REPORTS",
    "BROTHER-MFC-L8900",
    "SHARP-MX-3071",
    "UPS-APC-01",
    "Sophos-UTM",
    "PRTG-Monitor",
    "ERP-BATCH",
    "Zabbix01",
    "iDRAC-R740-03",
    "EPSON-WF-C879R",
];

/// What submitters greet with: bare names and names under the organisation's own
/// `corp.example` (`.example` is not on the Public Suffix List) or `.local`.
const SUBMITTER_NAMES: &[&str] = &[
    "SCAN-KM-4F",
    "app01.corp.example",
    "MFP-RICOH-2OG",
    "erp-batch02.corp.example",
    "ALERTS-SRV01",
    "nas02.office.local",
];

/// A big mail provider: many MTAs under one registrable domain.
struct Provider {
    dom: &'static str,
    mtas: usize,
    style: Banner,
}

/// Big providers come first, so they get the top zipf ranks.
const PROVIDERS: [Provider; 4] = [
    Provider {
        dom: "outlook.com",
        mtas: 40,
        style: Banner::Ms,
    },
    Provider {
        dom: "google.com",
        mtas: 30,
        style: Banner::Google,
    },
    Provider {
        dom: "amazonses.com",
        mtas: 16,
        style: Banner::Postfix,
    },
    Provider {
        dom: "mimecast.com",
        mtas: 12,
        style: Banner::Plain,
    },
];

const MS_REG: &[&str] = &[
    "EUR05", "EUR02", "NAM12", "NAM10", "APC01", "DEU01", "GBR01",
];
const MS_DC: &[&str] = &["AM6", "VI1", "DM6", "BN8", "HE1", "DB9", "FR2", "LO2"];

pub fn build_world(cfg: &Cfg) -> World {
    let mut b = WorldBuilder {
        rng: Rng::new(cfg.seed, 1),
        used: HashSet::new(),
        names: Interner::default(),
        hosts: Vec::new(),
    };
    let start_ms = days_from_civil(2026, 11, 25) as u64 * 86_400_000;
    let period = cfg.hours * 3_600_000;
    let servers = build_servers(
        (cfg.servers, cfg.legacy, cfg.tls10),
        cfg.seed,
        &mut b.names,
        &mut b.used,
    );
    let modern = (0..servers.len())
        .filter(|&i| servers[i].flavor != Flavor::Ex2010)
        .collect();
    // The build order is part of the corpus: every step draws from the same stream.
    let mut groups = b.providers();
    let mail_domains = b.partners(cfg.partners, &mut groups);
    let gcum = zipf_cumulative(groups.len());
    let literals = b.literals((cfg.partners / 20).max(10));
    let devices = b.devices();
    let bots = b.bots(40);
    let submitters = b.submitters();
    // What follows here draws from a stream of its own: the world above stays as it was
    // before the fallback habits existed.
    b.rng = Rng::new(cfg.seed, 4);
    draw_habits(&mut b.hosts, &groups[PROVIDERS.len()..], &mut b.rng);
    let sparse = b.sparse_partners(sparse_count(cfg.partners), cfg.partners);
    let group_of = group_index(b.hosts.len(), &groups, &sparse);
    World {
        servers,
        modern,
        hosts: b.hosts,
        groups,
        gcum,
        group_of,
        sparse,
        literals,
        devices,
        submitters,
        bots,
        names: b.names.names,
        mail_domains,
        used_ips: b.used,
        start_ms,
        mid_ms: start_ms + period / 2,
    }
}

/// How many low-traffic partners: a handful in small corpora, more in big ones.
fn sparse_count(partners: usize) -> usize {
    (partners / 25).clamp(8, 200)
}

/// Each host's group, `SPARSE_BIT` marking the low-traffic ones; u32::MAX for hosts in
/// no group (literals, devices, submitters, bots).
fn group_index(nhosts: usize, groups: &[Vec<u32>], sparse: &[Vec<u32>]) -> Vec<u32> {
    let mut of = vec![u32::MAX; nhosts];
    for (gi, g) in groups.iter().enumerate() {
        for &h in g {
            of[h as usize] = gi as u32;
        }
    }
    for (gi, g) in sparse.iter().enumerate() {
        for &h in g {
            of[h as usize] = gi as u32 | SPARSE_BIT;
        }
    }
    of
}

/// Cumulative zipf weights (s = 0.9) over `n` ranks.
fn zipf_cumulative(n: usize) -> Vec<f64> {
    let mut gcum = Vec::with_capacity(n);
    let mut acc = 0.0;
    for r in 0..n {
        acc += 1.0 / ((r + 1) as f64).powf(0.9);
        gcum.push(acc);
    }
    gcum
}

/// The world while it is being built: the stream it draws from, the addresses handed out,
/// the partner keys and the hosts so far.
struct WorldBuilder {
    rng: Rng,
    used: HashSet<u32>,
    names: Interner,
    hosts: Vec<Host>,
}

impl WorldBuilder {
    /// Adds a host; returns its id.
    fn add(&mut self, spec: HostSpec) -> u32 {
        let id = self.hosts.len();
        let client_key = matches!(spec.kind, HostKind::Device | HostKind::Submitter);
        let h = Host::new(&mut self.rng, spec, id as u64);
        // Only devices and submitters get a client's partner key; every other host is
        // at a public address and greets with a public name or none.
        assert_eq!(
            h.dir == DIR_CLIENT,
            client_key,
            "host {} ({})",
            h.name,
            h.ipstr
        );
        self.hosts.push(h);
        id as u32
    }

    fn public_ip(&mut self) -> u32 {
        public_ip(&mut self.rng, &mut self.used)
    }

    /// One group of MTAs per big provider.
    fn providers(&mut self) -> Vec<Vec<u32>> {
        let mut groups = Vec::new();
        for p in &PROVIDERS {
            let pid = self.names.id(p.dom);
            let g = (0..p.mtas).map(|k| self.provider_mta(p, pid, k)).collect();
            groups.push(g);
        }
        groups
    }

    fn provider_mta(&mut self, p: &Provider, pid: u32, k: usize) -> u32 {
        let (name, banner) = provider_names(&mut self.rng, p.dom, k);
        let ip = self.public_ip();
        let profile = if self.rng.chance(0.85) {
            Profile::Modern
        } else {
            Profile::Tls12
        };
        self.add(HostSpec {
            kind: HostKind::Partner,
            name,
            banner,
            ip,
            pid,
            mail_domain: None,
            profile,
            style: p.style,
            cert_cn: format!("*.{}", p.dom),
        })
    }

    /// `n` generated partner domains `partnerNNN.<suffix>`, one group each, appended to
    /// `groups`; returns their ids, the domains mail is addressed from and to.
    fn partners(&mut self, n: usize, groups: &mut Vec<Vec<u32>>) -> Vec<u32> {
        let mut mail_domains = Vec::new();
        for i in 0..n {
            let suf = self.rng.weighted(SUFFIXES);
            let dom = format!("partner{:03}.{}", i + 1, suf);
            let pid = self.names.id(&dom);
            mail_domains.push(pid);
            groups.push(self.partner_mtas(&dom, pid));
        }
        mail_domains
    }

    /// The 1–6 MTAs of one partner domain: one naming pattern, mostly one TLS profile.
    fn partner_mtas(&mut self, dom: &str, pid: u32) -> Vec<u32> {
        let base = self.rng.weighted(PROFILE_MIX);
        let nh = self
            .rng
            .weighted(&[(1usize, 45), (2, 30), (3, 12), (4, 6), (5, 4), (6, 3)]);
        let pattern = self.rng.below(6);
        let mut g = Vec::new();
        for k in 1..=nh {
            let plain = partner_mta_name(pattern, k, nh, dom);
            g.push(self.partner_mta(&plain, dom, pid, |rng| {
                if rng.chance(0.8) {
                    base
                } else {
                    rng.weighted(PROFILE_MIX)
                }
            }));
        }
        g
    }

    /// The MTA `plain` of partner domain `dom`, its profile from `profile` (drawn after
    /// the name's case: the corpus depends on the order).
    fn partner_mta(
        &mut self,
        plain: &str,
        dom: &str,
        pid: u32,
        profile: impl FnOnce(&mut Rng) -> Profile,
    ) -> u32 {
        let name = case_variant(&mut self.rng, plain);
        let profile = profile(&mut self.rng);
        let ip = self.public_ip();
        let style = style_for(profile, &mut self.rng);
        let cert_cn = if self.rng.chance(0.3) {
            format!("*.{dom}")
        } else {
            plain.to_string()
        };
        self.add(HostSpec {
            kind: HostKind::Partner,
            name: name.clone(),
            banner: name,
            ip,
            pid,
            mail_domain: Some(pid),
            profile,
            style,
            cert_cn,
        })
    }

    /// `n` low-traffic partner domains, numbered on from the `first` generated ones,
    /// with 1 or 2 MTAs each that give up after a failed STARTTLS, both ways. Their TLS
    /// profiles cycle TLS 1.0, TLS 1.2, TLS 1.0 with weak ciphers, TLS 1.0: most would
    /// negotiate TLS 1.0, so switching it off stops their mail.
    fn sparse_partners(&mut self, n: usize, first: usize) -> Vec<Vec<u32>> {
        const PROFILES: [Profile; 4] = [
            Profile::Tls10,
            Profile::Tls12,
            Profile::Tls10Weak,
            Profile::Tls10,
        ];
        let mut all = Vec::new();
        for i in 0..n {
            let dom = format!(
                "partner{:03}.{}",
                first + i + 1,
                self.rng.weighted(SUFFIXES)
            );
            let pid = self.names.id(&dom);
            let nh = 1 + self.rng.below(2) as usize;
            let pattern = self.rng.below(6);
            let mut g = Vec::new();
            for k in 1..=nh {
                let plain = partner_mta_name(pattern, k, nh, &dom);
                let id = self.partner_mta(&plain, &dom, pid, |_| PROFILES[i % 4]);
                let h = &mut self.hosts[id as usize];
                h.retry_in = After::GiveUp;
                h.retry_out = After::GiveUp;
                g.push(id);
            }
            all.push(g);
        }
        all
    }

    /// `n` clients that greet with `EHLO [ip]` (partner = remote IP); some write a
    /// private address in the literal, as NATed clients do.
    fn literals(&mut self, n: usize) -> Vec<u32> {
        let mut literals = Vec::new();
        for _ in 0..n {
            let ip = self.public_ip();
            let lit = if self.rng.chance(0.6) {
                ip
            } else {
                (192 << 24) | (168 << 16) | self.rng.below(1 << 16) as u32
            };
            let name = format!("[{}]", ip_str(lit));
            let pid = self.names.id(&ip_str(ip));
            let profile = self.rng.weighted(PROFILE_MIX);
            literals.push(self.add(HostSpec {
                kind: HostKind::Literal,
                name: name.clone(),
                banner: name,
                ip,
                pid,
                mail_domain: None,
                profile,
                style: Banner::Plain,
                cert_cn: String::new(),
            }));
        }
        literals
    }

    /// Printers, scanners, apps relaying through the FrontEnd anonymously, on internal
    /// addresses: clients, named by their bare EHLO name or (`EHLO [ip]`) their address.
    /// A device whose address is taken is left out.
    fn devices(&mut self) -> Vec<u32> {
        let mut devices = Vec::new();
        for (k, dn) in DEVICE_NAMES.iter().enumerate() {
            let ip = (10 << 24)
                | (20 << 16)
                | ((1 + k as u32 % 9) << 8)
                | self.rng.range(10, 250) as u32;
            if !self.used.insert(ip) {
                continue;
            }
            let name = if self.rng.chance(0.25) {
                format!("[{}]", ip_str(ip))
            } else {
                dn.to_string()
            };
            let pid = self.client_pid(&name, ip);
            let profile = self.rng.weighted(&[
                (Profile::Tls10, 50),
                (Profile::Tls10Weak, 10),
                (Profile::Clear, 25),
                (Profile::Tls12, 15),
            ]);
            devices.push(self.add(HostSpec {
                kind: HostKind::Device,
                name: name.clone(),
                banner: name,
                ip,
                pid,
                mail_domain: None,
                profile,
                style: Banner::Plain,
                cert_cn: String::new(),
            }));
        }
        devices
    }

    /// 2 or 3 devices and applications on internal addresses (172.16/12, 192.168/16,
    /// 10/8) that submit at the client connector after `AUTH LOGIN`: clients, named by
    /// their EHLO name (a bare name, a `corp.example` or `.local` name) or, for
    /// `EHLO [ip]`, their address.
    fn submitters(&mut self) -> Vec<u32> {
        let n = 2 + self.rng.below(2) as usize;
        let mut names: Vec<&str> = SUBMITTER_NAMES.to_vec();
        let mut subs = Vec::new();
        while subs.len() < n {
            let ip = match self.rng.below(3) {
                0 => (172 << 24) | ((16 + self.rng.below(16) as u32) << 16),
                1 => (192 << 24) | (168 << 16),
                _ => (10 << 24) | (30 << 16),
            } | ((self.rng.below(255) as u32) << 8)
                | self.rng.range(10, 250) as u32;
            if !self.used.insert(ip) {
                continue;
            }
            let dn = names.remove(self.rng.below(names.len() as u64) as usize);
            let name = if self.rng.chance(0.2) {
                format!("[{}]", ip_str(ip))
            } else {
                dn.to_string()
            };
            let pid = self.client_pid(&name, ip);
            let profile = self.rng.weighted(&[
                (Profile::Tls12, 50),
                (Profile::Tls10, 30),
                (Profile::Clear, 20),
            ]);
            subs.push(self.add(HostSpec {
                kind: HostKind::Submitter,
                name: name.clone(),
                banner: name,
                ip,
                pid,
                mail_domain: None,
                profile,
                style: Banner::Plain,
                cert_cn: String::new(),
            }));
        }
        subs
    }

    /// The partner key of a client greeting with `name` from `ip`.
    fn client_pid(&mut self, name: &str, ip: u32) -> u32 {
        self.names.id(&client_partner(name, &ip_str(ip)))
    }

    /// `n` scanners / bots that come back again and again (no mail; some never say EHLO).
    /// Their EHLO name is drawn per session, so the host has none.
    fn bots(&mut self, n: usize) -> Vec<u32> {
        let mut bots = Vec::new();
        for _ in 0..n {
            let ip = self.public_ip();
            let pid = self.names.id(&ip_str(ip));
            let profile = self.rng.weighted(&[
                (Profile::Clear, 60),
                (Profile::Tls12, 25),
                (Profile::Tls10, 15),
            ]);
            bots.push(self.add(HostSpec {
                kind: HostKind::Bot,
                name: String::new(),
                banner: String::new(),
                ip,
                pid,
                mail_domain: None,
                profile,
                style: Banner::Plain,
                cert_cn: String::new(),
            }));
        }
        bots
    }
}

/// MTA `k` of `nh` of partner domain `dom`, in naming pattern `pattern` (0..6).
fn partner_mta_name(pattern: u64, k: usize, nh: usize, dom: &str) -> String {
    match pattern {
        0 => format!("mx{k}.{dom}"),
        1 if nh == 1 => format!("mail.{dom}"),
        1 => format!("mail{k}.{dom}"),
        2 => format!("smtp{k}.{dom}"),
        3 => format!("mx{k}.mail.{dom}"),
        4 => format!("out{k}.mx.{dom}"),
        _ if nh == 1 => dom.to_string(),
        _ => format!("relay{k}.{dom}"),
    }
}

/// The EHLO name and the 220-banner name of MTA `k` of provider `dom`.
fn provider_names(rng: &mut Rng, dom: &str, k: usize) -> (String, String) {
    match dom {
        "outlook.com" => {
            let a = format!(
                "{}-{}-obe.outbound.protection.outlook.com",
                rng.pick(MS_REG),
                rng.pick(MS_DC)
            );
            let b = format!(
                "{}{}PEPF{}.mail.protection.outlook.com",
                rng.pick(MS_DC),
                rng.range(0, 9),
                rng.hex(8)
            );
            (a, b)
        }
        "google.com" => {
            let a = format!(
                "mail-{}{}-f{}.google.com",
                rng.pick(&["wr", "ed", "lf", "pj", "wm", "qk"]),
                rng.range(1, 2),
                rng.range(41, 199)
            );
            (a, "mx.google.com".to_string())
        }
        "amazonses.com" => {
            let a = format!(
                "a{}-{}.smtp-out.amazonses.com",
                rng.range(8, 48),
                rng.range(1, 254)
            );
            // Drawn and then not used (the corpus depends on the draw): amazonaws.com
            // subdomains are on the PSL's private section, so the banner stays inside
            // amazonses.com to be unambiguous.
            let _region = rng.pick(&["us-east-1", "eu-west-1"]);
            (a, format!("inbound-smtp-{k}.amazonses.com"))
        }
        _ => {
            let a = format!(
                "{}-smtp-{}.mimecast.com",
                rng.pick(&["eu", "us", "de", "uk"]),
                rng.range(1, 9)
            );
            (a.clone(), a)
        }
    }
}
