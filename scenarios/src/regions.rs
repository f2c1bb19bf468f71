//! Each cloud's region codes, one cited table, and what a site's region is against it:
//! a known region, a likely typo of one (an error that suggests it), or a name no cloud
//! publishes (a synthetic benchmark site; a warning).
//!
//! `shared/reference/interconnect-facts.md` and `updates-2026-12.md` name only the regions of
//! the interconnect pairs (§1.3 there), not whole lists, so the lists below are the providers'
//! published region lists as of 2026-12, each with the page it comes from. A region launched
//! since is accepted with a warning unless it is within the typo distance of a listed one:
//! add it here. On-premises sites (`onprem:ashburn-dc`) are the user's names and are not
//! checked.

/// The clouds a site may name (`cloud:region`), as `sim_core::spec::Cloud::parse` accepts them.
pub const CLOUDS: &[&str] = &["aws", "gcp", "azure", "onprem"];

/// AWS Region codes, commercial, GovCloud, China and the European Sovereign Cloud.
/// Source: AWS General Reference, "AWS Regions" (docs.aws.amazon.com/global-infrastructure/
/// latest/regions/aws-regions.html), as of 2026-12; the interconnect pairs' regions are also
/// in interconnect-facts.md §1.3.
pub const AWS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
    "us-gov-east-1",
    "us-gov-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eusc-de-east-1",
];

/// Google Cloud region names. Source: Google Cloud, "Regions and zones"
/// (cloud.google.com/compute/docs/regions-zones), as of 2026-12; the interconnect pairs'
/// regions are also in interconnect-facts.md §1.3.
pub const GCP: &[&str] = &[
    "africa-south1",
    "asia-east1",
    "asia-east2",
    "asia-northeast1",
    "asia-northeast2",
    "asia-northeast3",
    "asia-south1",
    "asia-south2",
    "asia-southeast1",
    "asia-southeast2",
    "asia-southeast3",
    "australia-southeast1",
    "australia-southeast2",
    "europe-central2",
    "europe-north1",
    "europe-north2",
    "europe-southwest1",
    "europe-west1",
    "europe-west2",
    "europe-west3",
    "europe-west4",
    "europe-west6",
    "europe-west8",
    "europe-west9",
    "europe-west10",
    "europe-west12",
    "me-central1",
    "me-central2",
    "me-west1",
    "northamerica-northeast1",
    "northamerica-northeast2",
    "northamerica-south1",
    "southamerica-east1",
    "southamerica-west1",
    "us-central1",
    "us-east1",
    "us-east4",
    "us-east5",
    "us-south1",
    "us-west1",
    "us-west2",
    "us-west3",
    "us-west4",
];

/// Azure region names as the CLI and ARM write them (`az account list-locations`, the
/// `name` column). Source: Microsoft Learn, "List of Azure regions"
/// (learn.microsoft.com/azure/reliability/regions-list), as of 2026-12; the Multicloud
/// Interconnect preview regions (East US, West US, Australia East, Germany West Central) are
/// in updates-2026-12.md.
pub const AZURE: &[&str] = &[
    "eastus",
    "eastus2",
    "centralus",
    "northcentralus",
    "southcentralus",
    "westcentralus",
    "westus",
    "westus2",
    "westus3",
    "canadacentral",
    "canadaeast",
    "brazilsouth",
    "brazilsoutheast",
    "mexicocentral",
    "chilecentral",
    "northeurope",
    "westeurope",
    "uksouth",
    "ukwest",
    "francecentral",
    "francesouth",
    "germanywestcentral",
    "germanynorth",
    "switzerlandnorth",
    "switzerlandwest",
    "norwayeast",
    "norwaywest",
    "swedencentral",
    "polandcentral",
    "italynorth",
    "spaincentral",
    "belgiumcentral",
    "australiaeast",
    "australiasoutheast",
    "australiacentral",
    "australiacentral2",
    "newzealandnorth",
    "eastasia",
    "southeastasia",
    "japaneast",
    "japanwest",
    "koreacentral",
    "koreasouth",
    "centralindia",
    "southindia",
    "westindia",
    "jioindiacentral",
    "jioindiawest",
    "indonesiacentral",
    "malaysiawest",
    "uaenorth",
    "uaecentral",
    "qatarcentral",
    "israelcentral",
    "southafricanorth",
    "southafricawest",
    "usgovvirginia",
    "usgovarizona",
    "usgovtexas",
    "chinanorth",
    "chinanorth2",
    "chinanorth3",
    "chinaeast",
    "chinaeast2",
    "chinaeast3",
];

/// What a site's region is against its cloud's list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegionCheck {
    /// Listed, or a cloud whose sites are not checked (`onprem`).
    Known,
    /// Not listed, but within the typo distance of this listed region.
    Typo(&'static str),
    /// Not listed and not close to any listed region: a synthetic or unlisted site.
    Unknown,
}

/// The cloud's name as a message writes it (`AWS`), and its list; `None` for `onprem`.
pub fn list(cloud: &str) -> Option<(&'static str, &'static [&'static str])> {
    match cloud {
        "aws" => Some(("AWS", AWS)),
        "gcp" => Some(("GCP", GCP)),
        "azure" => Some(("Azure", AZURE)),
        _ => None,
    }
}

/// The largest edit distance that counts as a typo of `known`: 2, or 1 for a name of fewer
/// than 8 characters (`eastus`, `westus2`), where two edits reach other real names.
pub fn typo_distance(known: &str) -> usize {
    if known.chars().count() < 8 { 1 } else { 2 }
}

/// Checks `region` against `cloud`'s list. The distance is Damerau-Levenshtein (an insertion,
/// deletion, substitution or swap of two adjacent characters counts 1), so `us-east-l`,
/// `us-eats-1` and `useast-1` are each one edit from `us-east-1`. The closest listed region
/// wins; ties go to the one listed first.
pub fn check(cloud: &str, region: &str) -> RegionCheck {
    let Some((_, known)) = list(cloud) else { return RegionCheck::Known };
    if known.contains(&region) {
        return RegionCheck::Known;
    }
    let mut best: Option<(usize, &'static str)> = None;
    let len = region.chars().count();
    for k in known {
        // The distance is at least the difference in length: most names are ruled out
        // without the O(n·m) table (a 1,000-copy `count` checked each copy's region, 3 % of
        // a bench-scale run).
        if len.abs_diff(k.chars().count()) > typo_distance(k) {
            continue;
        }
        let d = strsim::damerau_levenshtein(region, k);
        if d <= typo_distance(k) && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, k));
        }
    }
    match best {
        Some((_, k)) => RegionCheck::Typo(k),
        None => RegionCheck::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cloud_is_one_sim_core_parses() {
        for c in CLOUDS {
            assert!(sim_core::spec::Cloud::parse(c).is_some(), "{c}");
        }
    }

    #[test]
    fn lists_have_no_duplicates_and_no_two_regions_a_typo_apart_would_hide() {
        for (name, l) in [AWS, GCP, AZURE].iter().enumerate() {
            let mut sorted = l.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), l.len(), "duplicate in list {name}");
            // Every listed region is itself Known, whatever its neighbours.
            let cloud = ["aws", "gcp", "azure"][name];
            for r in *l {
                assert_eq!(check(cloud, r), RegionCheck::Known, "{r}");
            }
        }
    }

    #[test]
    fn typos_suggest_the_region_and_far_names_are_unknown() {
        assert_eq!(check("aws", "us-east-l"), RegionCheck::Typo("us-east-1"));
        assert_eq!(check("aws", "us-eats-1"), RegionCheck::Typo("us-east-1"));
        assert_eq!(check("gcp", "us-east-4"), RegionCheck::Typo("us-east4"));
        assert_eq!(check("gcp", "europe-wset3"), RegionCheck::Typo("europe-west3"));
        assert_eq!(check("azure", "eastsu"), RegionCheck::Typo("eastus"));
        assert_eq!(check("aws", "syn-0001"), RegionCheck::Unknown);
        assert_eq!(check("gcp", "lab-7"), RegionCheck::Unknown);
        assert_eq!(check("onprem", "us-east-l"), RegionCheck::Known);
    }
}
