//! The CI gate: which partners are in a failing class, which of our own servers are not
//! ready, and what changed since the baseline (the JSON of an earlier run). It judges a finished [`Report`]; the writers
//! receive its [`Verdict`] beside the report.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::partner::Direction;
use crate::report::{Impact, PartnerRow, Report, ServerRow};

/// A `--fail-on` value: a partner's impact class, or one of our own servers not ready
/// (kept apart so that `Impact` stays the partners' classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailClass {
    Partner(Impact),
    ServerNotReady,
}

impl FailClass {
    /// What `check` fails on unless told otherwise.
    pub const DEFAULT: [FailClass; 4] = [
        FailClass::Partner(Impact::MailStops),
        FailClass::Partner(Impact::FallsBackToCleartext),
        FailClass::Partner(Impact::PartiallyAffected),
        FailClass::ServerNotReady,
    ];

    /// Every value, impact classes first.
    pub fn all() -> impl Iterator<Item = FailClass> {
        (Impact::ALL.into_iter().map(FailClass::Partner)).chain([FailClass::ServerNotReady])
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            FailClass::Partner(i) => i.as_str(),
            FailClass::ServerNotReady => "server_not_ready",
        }
    }

    pub fn parse(s: &str) -> Option<FailClass> {
        FailClass::all().find(|c| c.as_str() == s.trim())
    }

    /// The partner classes and whether servers not ready fail, from a `--fail-on` list.
    pub fn split(list: &[FailClass]) -> (Vec<Impact>, bool) {
        let impacts = (list.iter())
            .filter_map(|c| match c {
                FailClass::Partner(i) => Some(*i),
                FailClass::ServerNotReady => None,
            })
            .collect();
        (impacts, list.contains(&FailClass::ServerNotReady))
    }
}

/// A partner's identity across runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PartnerKey {
    pub direction: Direction,
    pub partner: String,
}

impl PartnerKey {
    fn of(p: &PartnerRow) -> PartnerKey {
        PartnerKey {
            direction: p.direction,
            partner: p.partner.clone(),
        }
    }
}

/// A partner whose class is not what it was (`None`: absent from that run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassChange {
    pub direction: Direction,
    pub partner: String,
    pub before: Option<Impact>,
    pub after: Option<Impact>,
}

/// The comparison of this run with a baseline, every list sorted. "Failing" is being in
/// one of the `--fail-on` classes (the JSON keeps its first names, `*_at_risk`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    /// In a failing class now, and not in the baseline (absent or in another class).
    #[serde(rename = "newly_at_risk")]
    pub newly_failing: Vec<PartnerKey>,
    /// In a failing class in the baseline, and not now.
    #[serde(rename = "no_longer_at_risk")]
    pub no_longer_failing: Vec<PartnerKey>,
    /// Every partner whose class changed, appeared or disappeared.
    pub changed: Vec<ClassChange>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.newly_failing.is_empty()
            && self.no_longer_failing.is_empty()
            && self.changed.is_empty()
    }
}

/// Each partner's class in an earlier run, read from its JSON report.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    classes: BTreeMap<PartnerKey, Impact>,
}

impl Baseline {
    /// Reads the partners of a JSON report; every other field is ignored.
    pub fn parse(json: &str) -> Result<Baseline, serde_json::Error> {
        #[derive(Deserialize)]
        struct Document {
            partners: Vec<Row>,
        }
        #[derive(Deserialize)]
        struct Row {
            direction: Direction,
            partner: String,
            impact: Impact,
        }
        let doc: Document = serde_json::from_str(json)?;
        let classes = (doc.partners.into_iter())
            .map(|r| {
                let key = PartnerKey {
                    direction: r.direction,
                    partner: r.partner,
                };
                (key, r.impact)
            })
            .collect();
        Ok(Baseline { classes })
    }

    pub fn load(path: &Path) -> Result<Baseline, Error> {
        let failed = |e: String| Error::Baseline(path.display().to_string(), e);
        let text = std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?;
        Baseline::parse(&text).map_err(|e| failed(e.to_string()))
    }
}

/// What `check` concluded: the classes it fails on, the comparison with the baseline,
/// and whether only partners newly failing count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub fail_on: Vec<Impact>,
    /// `--fail-on server_not_ready`: one of our servers never negotiated an allowed version.
    pub servers_not_ready: bool,
    pub diff: Option<Diff>,
    pub new_only: bool,
}

impl Default for Verdict {
    fn default() -> Verdict {
        Verdict {
            fail_on: Impact::DEFAULT_FAIL_ON.to_vec(),
            servers_not_ready: true,
            diff: None,
            new_only: false,
        }
    }
}

impl Verdict {
    /// Judges `report`, compared with `baseline` when there is one.
    pub fn new(
        report: &Report,
        fail_on: &[Impact],
        baseline: Option<&Baseline>,
        new_only: bool,
    ) -> Verdict {
        Verdict {
            fail_on: fail_on.to_vec(),
            servers_not_ready: false,
            diff: baseline.map(|b| diff(b, report, fail_on)),
            new_only,
        }
    }

    /// Whether this partner is in one of the failing classes.
    pub fn fails(&self, p: &PartnerRow) -> bool {
        self.fail_on.contains(&p.impact)
    }

    /// The partners that make `check` fail: all in a failing class, or with `new_only`
    /// just those newly in one.
    pub fn failing<'r>(&self, report: &'r Report) -> Vec<&'r PartnerRow> {
        let newly = |p: &PartnerRow| match (&self.diff, self.new_only) {
            (Some(d), true) => d.newly_failing.contains(&PartnerKey::of(p)),
            _ => true,
        };
        (report.partners.iter())
            .filter(|p| self.fails(p) && newly(p))
            .collect()
    }

    /// Fail on our own servers that are not ready, too.
    pub fn with_servers_not_ready(mut self, fail: bool) -> Verdict {
        self.servers_not_ready = fail;
        self
    }

    /// Our servers that make `check` fail: not ready, when `--fail-on` names them. Not
    /// compared with a baseline: a server not ready fails every run until it is updated.
    pub fn failing_servers<'r>(&self, report: &'r Report) -> Vec<&'r ServerRow> {
        (report.servers.iter())
            .filter(|s| self.servers_not_ready && s.not_ready())
            .collect()
    }

    /// `mail_stops,falls_back_to_cleartext`: the failing partner classes as given.
    pub fn fail_on_label(&self) -> String {
        (self.fail_on.iter())
            .map(Impact::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Compares `report` with `baseline` under the failing classes `fail_on`.
pub fn diff(baseline: &Baseline, report: &Report, fail_on: &[Impact]) -> Diff {
    let before = &baseline.classes;
    let after: BTreeMap<PartnerKey, Impact> = (report.partners.iter())
        .map(|p| (PartnerKey::of(p), p.impact))
        .collect();
    let fails = |i: Option<&Impact>| i.is_some_and(|i| fail_on.contains(i));
    let mut d = Diff::default();
    let mut keys: Vec<&PartnerKey> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let (b, a) = (before.get(k), after.get(k));
        if fails(a) && !fails(b) {
            d.newly_failing.push(k.clone());
        }
        if fails(b) && !fails(a) {
            d.no_longer_failing.push(k.clone());
        }
        if a != b {
            d.changed.push(ClassChange {
                direction: k.direction,
                partner: k.partner.clone(),
                before: b.copied(),
                after: a.copied(),
            });
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::Stats;
    use crate::report::Policy;
    use crate::tls::MinTls;

    fn row(direction: Direction, partner: &str, impact: Impact) -> PartnerRow {
        let json = format!(
            r#"{{"direction":"{direction}","partner":"{partner}","impact":"{impact}",
                "sessions":1,"messages":0,"weak_cipher":0,"hosts":1,"example_host":"",
                "mail_domains":[],"ciphers":[],"first_seen":null,"last_seen":null,
                "affected_hosts":[]}}"#
        );
        serde_json::from_str(&json).unwrap()
    }

    fn report(partners: Vec<PartnerRow>) -> Report {
        Report {
            policy: Policy::default(),
            stats: Stats::default(),
            partners,
            servers: Vec::new(),
            problems: Vec::new(),
            warnings: Vec::new(),
            days: Vec::new(),
            partner_days: Vec::new(),
        }
    }

    const BASELINE: &str = r#"{"schema":1,"partners":[
        {"direction":"inbound","partner":"old.example","impact":"falls_back_to_cleartext"},
        {"direction":"inbound","partner":"same.example","impact":"partially_affected"},
        {"direction":"outbound","partner":"fixed.example","impact":"partially_affected"}]}"#;

    #[test]
    fn diff_names_new_gone_and_changed_partners() {
        let baseline = Baseline::parse(BASELINE).unwrap();
        let now = report(vec![
            row(
                Direction::Inbound,
                "same.example",
                Impact::PartiallyAffected,
            ),
            row(Direction::Outbound, "fixed.example", Impact::Unaffected),
            row(Direction::Inbound, "new.example", Impact::MailStops),
        ]);
        let d = diff(&baseline, &now, &Impact::DEFAULT_FAIL_ON);
        let names = |v: &[PartnerKey]| v.iter().map(|k| k.partner.clone()).collect::<Vec<_>>();
        assert_eq!(names(&d.newly_failing), ["new.example"]);
        assert_eq!(
            names(&d.no_longer_failing),
            ["old.example", "fixed.example"]
        );
        let changed: Vec<_> = (d.changed.iter())
            .map(|c| (c.partner.as_str(), c.before, c.after))
            .collect();
        assert_eq!(
            changed,
            [
                ("new.example", None, Some(Impact::MailStops)),
                ("old.example", Some(Impact::FallsBackToCleartext), None),
                (
                    "fixed.example",
                    Some(Impact::PartiallyAffected),
                    Some(Impact::Unaffected)
                ),
            ]
        );
    }

    #[test]
    fn new_only_fails_on_partners_newly_failing() {
        let baseline = Baseline::parse(BASELINE).unwrap();
        let now = report(vec![
            row(
                Direction::Inbound,
                "same.example",
                Impact::PartiallyAffected,
            ),
            row(
                Direction::Inbound,
                "new.example",
                Impact::FallsBackToCleartext,
            ),
            row(Direction::Inbound, "fine.example", Impact::Unaffected),
        ]);
        let all = Verdict::new(&now, &Impact::DEFAULT_FAIL_ON, Some(&baseline), false);
        let failing: Vec<_> = all
            .failing(&now)
            .iter()
            .map(|p| p.partner.clone())
            .collect();
        assert_eq!(failing, ["same.example", "new.example"]);
        let new = Verdict::new(&now, &Impact::DEFAULT_FAIL_ON, Some(&baseline), true);
        let failing: Vec<_> = new
            .failing(&now)
            .iter()
            .map(|p| p.partner.clone())
            .collect();
        assert_eq!(failing, ["new.example"]);
        let only_stops = Verdict::new(&now, &[Impact::MailStops], None, false);
        assert!(only_stops.failing(&now).is_empty());
        assert_eq!(only_stops.fail_on_label(), "mail_stops");
    }

    #[test]
    fn fail_on_values_split_into_classes_and_servers() {
        for c in FailClass::all() {
            assert_eq!(FailClass::parse(c.as_str()), Some(c));
        }
        let (impacts, servers) = FailClass::split(&FailClass::DEFAULT);
        assert_eq!(impacts, Impact::DEFAULT_FAIL_ON);
        assert!(servers);
        let only = [FailClass::Partner(Impact::MailStops)];
        assert_eq!(FailClass::split(&only), (vec![Impact::MailStops], false));
    }

    #[test]
    fn servers_not_ready_fail_only_when_asked() {
        use crate::outcome::{Outcome, OutcomeCounts};
        use crate::parse::header::LogKind;
        let mut now = report(Vec::new());
        let mut old = OutcomeCounts::default();
        old[Outcome::Tls10] = 3;
        now.servers = vec![
            ServerRow::new("EX2010".into(), LogKind::Send, old, MinTls::Tls11),
            ServerRow::new(
                "EX01".into(),
                LogKind::Send,
                OutcomeCounts::default(),
                MinTls::Tls11,
            ),
        ];
        let v = Verdict::new(&now, &Impact::DEFAULT_FAIL_ON, None, false);
        assert!(v.failing_servers(&now).is_empty());
        let v = v.with_servers_not_ready(true);
        let names: Vec<_> = v
            .failing_servers(&now)
            .iter()
            .map(|s| s.server.clone())
            .collect();
        assert_eq!(names, ["EX2010"]);
    }

    #[test]
    fn a_baseline_that_is_not_a_report_is_an_error() {
        assert!(Baseline::parse("{}").is_err());
        assert!(Baseline::parse(
            r#"{"partners":[{"direction":"sideways","partner":"x","impact":"unknown"}]}"#
        )
        .is_err());
    }
}
