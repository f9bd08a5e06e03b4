//! The CI gate: which partners are in a failing class, and what changed since the
//! baseline (the JSON of an earlier run).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::report::json::JsonReport;
use crate::report::{Impact, PartnerRow, Report};

/// A partner's identity across runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PartnerKey {
    pub direction: String,
    pub partner: String,
}

/// A partner whose class is not what it was (`None`: absent from that run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassChange {
    pub direction: String,
    pub partner: String,
    pub before: Option<Impact>,
    pub after: Option<Impact>,
}

/// The comparison of this run with a baseline, every list sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    /// In a failing class now, and not in the baseline (absent or in another class).
    pub newly_at_risk: Vec<PartnerKey>,
    /// In a failing class in the baseline, and not now.
    pub no_longer_at_risk: Vec<PartnerKey>,
    /// Every partner whose class changed, appeared or disappeared.
    pub changed: Vec<ClassChange>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.newly_at_risk.is_empty()
            && self.no_longer_at_risk.is_empty()
            && self.changed.is_empty()
    }
}

/// Each partner's class, by identity.
fn classes(partners: &[PartnerRow]) -> BTreeMap<PartnerKey, Impact> {
    partners
        .iter()
        .map(|p| {
            let key = PartnerKey {
                direction: p.direction.clone(),
                partner: p.partner.clone(),
            };
            (key, p.impact)
        })
        .collect()
}

/// Compares `report` with `baseline` under the report's failing classes.
pub fn diff(baseline: &JsonReport, report: &Report) -> Diff {
    let before = classes(&baseline.partners);
    let after = classes(&report.partners);
    let fails = |i: Option<&Impact>| i.is_some_and(|i| report.fail_on.contains(i));
    let mut d = Diff::default();
    let mut keys: Vec<&PartnerKey> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let (b, a) = (before.get(k), after.get(k));
        if fails(a) && !fails(b) {
            d.newly_at_risk.push(k.clone());
        }
        if fails(b) && !fails(a) {
            d.no_longer_at_risk.push(k.clone());
        }
        if a != b {
            d.changed.push(ClassChange {
                direction: k.direction.clone(),
                partner: k.partner.clone(),
                before: b.copied(),
                after: a.copied(),
            });
        }
    }
    d
}

/// The partners that make `check` fail: all in a failing class, or with `new_only` just
/// those newly in one.
pub fn failing(report: &Report, new_only: bool) -> Vec<&PartnerRow> {
    report
        .partners
        .iter()
        .filter(|p| report.fails(p))
        .filter(|p| {
            !new_only
                || report.diff.as_ref().is_none_or(|d| {
                    d.newly_at_risk
                        .iter()
                        .any(|k| k.direction == p.direction && k.partner == p.partner)
                })
        })
        .collect()
}
