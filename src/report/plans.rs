//! Outputs of the planning commands: `gaps.geojson` (zones), `gap_compounds.geojson`
//! (uncovered compounds) and `sites.geojson` (chosen sites in rank order); their sections of
//! `summary.json` are typed in `summary.rs`.

use super::layers::{
    collection, push_coordinate, push_f64, push_point, push_polygon, push_rounded,
};
use crate::gaps::{GapZone, zone_outline};
use crate::io::push_json_str;
use crate::model::Compounds;
use crate::siting::{Goal, SitePlan};
use crate::study::StudyArea;

/// Potential or chosen sites: ids and WGS84 positions.
#[derive(Debug, Clone, Copy)]
pub struct SiteList<'a> {
    /// Ids.
    pub ids: &'a [String],
    /// WGS84 `[lon, lat]`.
    pub lonlat: &'a [[f64; 2]],
}

/// `gaps.geojson`: one Polygon feature per gap zone (`kind` = `zone`, `zone`, `population`,
/// `compounds`, and the best new site: `best_site`, `best_site_population`, `best_site_lon`,
/// `best_site_lat`). Only Polygons, so GIS tools see one geometry type; the uncovered
/// compounds are in [`gap_compounds_geojson`]. A zone without a best site (unreachable on
/// foot) has a null `best_site` (GIS tools type an all-null column as text, as the ids are)
/// and a `best_site_population` of 0, so that column stays numeric even when no zone has a
/// best site.
pub fn gaps_geojson(
    zones: &[GapZone],
    compounds_xy: &[[f64; 2]],
    study: &StudyArea,
    sites: SiteList,
    buffer_m: f64,
) -> String {
    collection(zones.len(), |s, z| {
        let zone = &zones[z];
        s.push_str("{\"type\":\"Feature\",\"properties\":{\"kind\":\"zone\",\"zone\":");
        push_json_str(s, &zone_id(z));
        s.push_str(",\"population\":");
        push_rounded(s, zone.population, 3);
        s.push_str(",\"compounds\":");
        s.push_str(itoa::Buffer::new().format(zone.compounds.len()));
        match zone.best_site {
            Some((site, pop)) => {
                s.push_str(",\"best_site\":");
                push_json_str(s, &sites.ids[site as usize]);
                s.push_str(",\"best_site_population\":");
                push_rounded(s, pop, 3);
                let [lon, lat] = study.output_lonlat(sites.lonlat[site as usize]);
                s.push_str(",\"best_site_lon\":");
                push_coordinate(s, lon);
                s.push_str(",\"best_site_lat\":");
                push_coordinate(s, lat);
            }
            None => s.push_str(
                ",\"best_site\":null,\"best_site_population\":0,\"best_site_lon\":null,\"best_site_lat\":null",
            ),
        }
        s.push_str("},\"geometry\":");
        let pts: Vec<[f64; 2]> = zone
            .compounds
            .iter()
            .map(|&i| compounds_xy[i as usize])
            .collect();
        push_polygon(s, study, zone_outline(&pts, buffer_m));
        s.push('}');
    })
}

/// `gap_compounds.geojson`: every uncovered compound as a Point (`kind` = `compound`,
/// `zone`, `id`, `population`), zone by zone.
pub fn gap_compounds_geojson(
    zones: &[GapZone],
    compounds: &Compounds,
    study: &StudyArea,
) -> String {
    let members: Vec<(usize, u32)> = zones
        .iter()
        .enumerate()
        .flat_map(|(z, zone)| zone.compounds.iter().map(move |&i| (z, i)))
        .collect();
    collection(members.len(), |s, f| {
        let (z, i) = members[f];
        s.push_str("{\"type\":\"Feature\",\"properties\":{\"kind\":\"compound\",\"zone\":");
        push_json_str(s, &zone_id(z));
        s.push_str(",\"id\":");
        push_json_str(s, &compounds.ids[i as usize]);
        s.push_str(",\"population\":");
        push_f64(s, compounds.population[i as usize]);
        s.push_str("},\"geometry\":");
        push_point(s, study.output_lonlat(compounds.lonlat[i as usize]));
        s.push('}');
    })
}

/// Zone ids as printed: `Z001`, `Z002`, … in population order.
pub fn zone_id(z: usize) -> String {
    format!("Z{:03}", z + 1)
}

/// `sites.geojson`: chosen sites in rank order with `id`, `rank`, `gain_population`,
/// `cumulative_population`, `cumulative_share`.
pub fn sites_geojson(plan: &SitePlan, candidates: SiteList, study: &StudyArea) -> String {
    sites_geojson_with(plan, candidates, study, &|_, _| {})
}

/// [`sites_geojson`] with more properties appended by `extra(s, rank_index)` (each starting
/// with `,`).
pub fn sites_geojson_with(
    plan: &SitePlan,
    candidates: SiteList,
    study: &StudyArea,
    extra: &(dyn Fn(&mut String, usize) + Sync),
) -> String {
    collection(plan.sites.len(), |s, k| {
        let site = &plan.sites[k];
        let c = site.candidate as usize;
        s.push_str("{\"type\":\"Feature\",\"properties\":{\"id\":");
        push_json_str(s, &candidates.ids[c]);
        s.push_str(",\"rank\":");
        s.push_str(itoa::Buffer::new().format(site.rank));
        s.push_str(",\"gain_population\":");
        push_rounded(s, site.gain_population, 3);
        s.push_str(",\"cumulative_population\":");
        push_rounded(s, site.cumulative_population, 3);
        s.push_str(",\"cumulative_share\":");
        push_rounded(s, site.cumulative_share, 6);
        extra(s, k);
        s.push_str("},\"geometry\":");
        push_point(s, study.output_lonlat(candidates.lonlat[c]));
        s.push('}');
    })
}

/// What a planner should know about a plan that is smaller than asked: no site at all
/// because no compound has residents or nobody is left to cover, or fewer than `--add K`
/// because further sites would add nobody. `None` otherwise.
pub fn site_note(plan: &SitePlan) -> Option<String> {
    if plan.total_population <= 0.0 {
        return Some(
            "no compound has residents (every population is 0): no site can cover anyone; \
             check the population field"
                .into(),
        );
    }
    let Goal::Add(k) = plan.goal else {
        return None;
    };
    let n = plan.sites.len();
    if n >= k {
        None
    } else if n == 0 && plan.existing_population >= plan.total_population {
        Some("every compound is already covered: no new site is needed".into())
    } else if n == 0 {
        Some("no candidate reaches an uncovered compound: no new site would add anyone".into())
    } else {
        Some(format!(
            "only {n} of the {k} sites asked for add anyone: further sites would cover nobody new"
        ))
    }
}
