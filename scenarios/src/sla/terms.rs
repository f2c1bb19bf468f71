//! The providers' SLA terms, one row per product, each number next to its source.
//!
//! Sources (shared/reference/updates-2026-12.md §1.4, interconnect-facts.md §1.8):
//! - AWS Interconnect SLA, "Last Updated: April 15, 2026",
//!   <https://aws.amazon.com/interconnect/sla/>: "Monthly Uptime Percentage … Less than 99.99%
//!   but greater than or equal to 99.0%: 10%; Less than 99.0% but greater than or equal to
//!   95.0%: 25%; Less than 95.0%: 100%".
//! - Google Cloud Dedicated and Partner Interconnect SLA,
//!   <https://cloud.google.com/network-connectivity/docs/interconnect/sla>: production-level
//!   ">=99.99%", non-critical ">=99.9%"; "Downtime" means the service "is not able to serve
//!   any traffic directed to it"; "Downtime Period means a period of 120 or more consecutive
//!   seconds of Downtime. Intermittent Downtime for a period of less than 120 consecutive
//!   seconds will not be counted"; credits 10 % (99.0 – < 99.99 %) and 25 % (< 99 %).
//! - AWS Direct Connect: Maximum Resiliency 99.99 %, High Resiliency 99.9 %
//!   (interconnect-facts §1.8, §2.1); the credit steps are [ASSUMPTION] AWS's usual
//!   10 / 25 / 100 % (the same steps as AWS Interconnect; not in our notes).
//! - Azure ExpressRoute: 99.95 % per dedicated circuit, credits 10 % (< 99.95 %) and 25 %
//!   (< 99 %): [ASSUMPTION] from Microsoft's SLA for Online Services, not in our notes.
//!
//! Where a provider's terms count every second of unavailability (AWS, Azure as we read
//! them), `min_period` is zero; Google's is 120 s.

use serde::Serialize;
use sim_core::SimDuration;

/// One product's SLA: its target, what downtime counts and its credit steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Terms {
    /// The name a file uses in `[sla] terms` (`"aws-interconnect"`).
    pub name: &'static str,
    pub provider: &'static str,
    pub product: &'static str,
    /// The monthly uptime committed, parts per million (999 900 = 99.99 %).
    pub target_ppm: u32,
    /// A period of downtime shorter than this is not counted at all (Google: 120 s).
    #[serde(serialize_with = "secs")]
    pub min_period: SimDuration,
    /// Credit steps, in order of falling uptime: (uptime below this, ppm → credit %).
    /// The credit is that of the last step whose bound the uptime is below.
    pub credits: &'static [(u32, u32)],
    /// Where the numbers come from, and what is assumed.
    pub source: &'static str,
    /// `P` (published, quoted in our notes) or `A` (an assumption: see `source`).
    pub basis: &'static str,
}

fn secs<S: serde::Serializer>(d: &SimDuration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

const AWS_STEPS: &[(u32, u32)] = &[(999_900, 10), (990_000, 25), (950_000, 100)];
const GCP_PRODUCTION_STEPS: &[(u32, u32)] = &[(999_900, 10), (990_000, 25)];
const GCP_NON_CRITICAL_STEPS: &[(u32, u32)] = &[(999_000, 10), (990_000, 25)];
const AWS_HIGH_STEPS: &[(u32, u32)] = &[(999_000, 10), (990_000, 25), (950_000, 100)];
const AZURE_STEPS: &[(u32, u32)] = &[(999_500, 10), (990_000, 25)];

/// A 120-second Downtime Period (Google).
const GOOGLE_MIN_PERIOD: SimDuration = SimDuration::from_secs(120);

pub const TERMS: &[Terms] = &[
    Terms {
        name: "aws-interconnect",
        provider: "AWS",
        product: "AWS Interconnect - multicloud",
        target_ppm: 999_900,
        min_period: SimDuration::ZERO,
        credits: AWS_STEPS,
        source: "AWS Interconnect SLA (2026-04-15), aws.amazon.com/interconnect/sla: 99.99%, credits 10/25/100% below 99.99/99.0/95.0%",
        basis: "P",
    },
    Terms {
        name: "gcp-interconnect",
        provider: "Google Cloud",
        product: "Cloud Interconnect, production-level (99.99%)",
        target_ppm: 999_900,
        min_period: GOOGLE_MIN_PERIOD,
        credits: GCP_PRODUCTION_STEPS,
        source: "Google Cloud Dedicated and Partner Interconnect SLA, cloud.google.com/network-connectivity/docs/interconnect/sla: \
                 99.99%, only Downtime Periods of 120 s or more count, credits 10/25% below 99.99/99.0%",
        basis: "P",
    },
    Terms {
        name: "gcp-interconnect-non-critical",
        provider: "Google Cloud",
        product: "Cloud Interconnect, non-critical (99.9%)",
        target_ppm: 999_000,
        min_period: GOOGLE_MIN_PERIOD,
        credits: GCP_NON_CRITICAL_STEPS,
        source: "Google Cloud Interconnect SLA: 99.9% for non-critical applications, 120 s Downtime Periods; \
                 credit steps 10/25% below 99.9/99.0% [ASSUMPTION: the steps are not in our notes]",
        basis: "A",
    },
    Terms {
        name: "aws-direct-connect-max",
        provider: "AWS",
        product: "AWS Direct Connect, Maximum Resiliency",
        target_ppm: 999_900,
        min_period: SimDuration::ZERO,
        credits: AWS_STEPS,
        source: "AWS Direct Connect resiliency: Maximum Resiliency 99.99% (interconnect-facts 1.8, 2.1); \
                 credits 10/25/100% [ASSUMPTION: AWS's usual steps, not in our notes]",
        basis: "A",
    },
    Terms {
        name: "aws-direct-connect-high",
        provider: "AWS",
        product: "AWS Direct Connect, High Resiliency",
        target_ppm: 999_000,
        min_period: SimDuration::ZERO,
        credits: AWS_HIGH_STEPS,
        source: "AWS Direct Connect resiliency: High Resiliency 99.9% (interconnect-facts 1.8, 2.1); \
                 credits 10/25/100% below 99.9/99.0/95.0% [ASSUMPTION]",
        basis: "A",
    },
    Terms {
        name: "azure-expressroute",
        provider: "Azure",
        product: "Azure ExpressRoute (dedicated circuit)",
        target_ppm: 999_500,
        min_period: SimDuration::ZERO,
        credits: AZURE_STEPS,
        source: "Microsoft SLA for Online Services, ExpressRoute: 99.95%, credits 10/25% below 99.95/99.0% \
                 [ASSUMPTION: not in our notes]",
        basis: "A",
    },
];

pub fn find(name: &str) -> Option<&'static Terms> {
    TERMS.iter().find(|t| t.name == name)
}

pub fn names() -> impl Iterator<Item = &'static str> {
    TERMS.iter().map(|t| t.name)
}

/// The terms an interconnect of `template` is accounted under by default. AWS Interconnect
/// – multicloud is sold by both clouds, so both sides' terms apply, each on its own rules
/// (Google's Partner Cross-Cloud Interconnect numbers are not published in our notes:
/// [ASSUMPTION] Cloud Interconnect's production-level terms).
pub fn for_template(template: &str) -> &'static [&'static str] {
    match template {
        "aws-gcp-managed" => &["aws-interconnect", "gcp-interconnect"],
        // Azure's preview has no SLA (updates-2026-12.md §1.2); AWS's side is AWS
        // Interconnect - multicloud. [ASSUMPTION] its SLA covers a partner in preview.
        "aws-azure-managed" => &["aws-interconnect"],
        "aws-dx-max-resiliency" => &["aws-direct-connect-max"],
        "gcp-interconnect-9999" => &["gcp-interconnect"],
        "azure-expressroute" => &["azure-expressroute"],
        _ => &[],
    }
}

impl Terms {
    /// The credit owed for a month of `month` with `down` counted downtime, percent of the
    /// month's charges. Exact: compares (month − down) / month with each bound in integers.
    pub fn credit_pct(&self, month: SimDuration, down: SimDuration) -> u32 {
        let below = |ppm: u32| below(month, down, ppm);
        self.credits.iter().filter(|&&(bound, _)| below(bound)).map(|&(_, c)| c).next_back().unwrap_or(0)
    }

    /// Whether the month met the target (uptime at or above it).
    pub fn met(&self, month: SimDuration, down: SimDuration) -> bool {
        !below(month, down, self.target_ppm)
    }
}

/// Whether the uptime (month − down) / month is strictly below `ppm` / 10⁶.
pub fn below(month: SimDuration, down: SimDuration, ppm: u32) -> bool {
    let m = u128::from(month.as_nanos());
    let up = m.saturating_sub(u128::from(down.as_nanos()));
    up * 1_000_000 < u128::from(ppm) * m
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 86_400;

    #[test]
    fn every_template_names_known_terms_and_steps_fall() {
        for t in crate::templates::names() {
            assert!(!for_template(t).is_empty(), "{t} has no SLA terms");
            for n in for_template(t) {
                assert!(find(n).is_some(), "{n}");
            }
        }
        for t in TERMS {
            assert!(t.credits.windows(2).all(|w| w[0].0 > w[1].0 && w[0].1 < w[1].1), "{}", t.name);
            assert_eq!(t.credits[0].0, t.target_ppm, "{}: the first step is the target", t.name);
        }
    }

    /// Hand-worked: a 30-day month is 2 592 000 s; 99.99 % of it allows 259.2 s of downtime.
    /// At exactly 259.2 s the uptime is 99.99 %, not less: no credit. One millisecond more
    /// owes 10 %. 99.0 % allows 25 920 s: at it 10 %, a second more 25 %; 95.0 % allows
    /// 129 600 s: at it 25 %, a second more 100 %.
    #[test]
    fn aws_credit_steps_at_their_boundaries() {
        let aws = find("aws-interconnect").expect("as the test set it up");
        let month = SimDuration::from_secs(30 * DAY);
        let ms = SimDuration::from_millis;
        assert_eq!(aws.credit_pct(month, ms(259_200)), 0);
        assert!(aws.met(month, ms(259_200)));
        assert_eq!(aws.credit_pct(month, ms(259_201)), 10);
        assert!(!aws.met(month, ms(259_201)));
        assert_eq!(aws.credit_pct(month, SimDuration::from_secs(25_920)), 10);
        assert_eq!(aws.credit_pct(month, SimDuration::from_secs(25_921)), 25);
        assert_eq!(aws.credit_pct(month, SimDuration::from_secs(129_600)), 25);
        assert_eq!(aws.credit_pct(month, SimDuration::from_secs(129_601)), 100);
        assert_eq!(aws.credit_pct(month, SimDuration::ZERO), 0);
    }

    /// Azure: 99.95 % of a 30-day month allows 1 296 s.
    #[test]
    fn azure_credit_steps_at_their_boundaries() {
        let az = find("azure-expressroute").expect("as the test set it up");
        let month = SimDuration::from_secs(30 * DAY);
        assert_eq!(az.credit_pct(month, SimDuration::from_secs(1_296)), 0);
        assert_eq!(az.credit_pct(month, SimDuration::from_secs(1_297)), 10);
        assert_eq!(az.credit_pct(month, SimDuration::from_secs(25_921)), 25);
        assert_eq!(az.credit_pct(month, SimDuration::from_secs(2_000_000)), 25);
    }
}
