//! Outputs of a gap study: the `gaps` section of `summary.json`, `gaps.geojson` (zones),
//! `gap_compounds.geojson` (the uncovered compounds) and the terminal table of zones.

use super::{
    GapsReport, OutputSet, SiteList, gap_compounds_geojson, gaps_geojson, render_table, zone_id,
};
use crate::gaps::GapStudy;
use crate::model::Compounds;
use crate::study::StudyArea;

/// Zones listed in the terminal table.
const TABLE_ZONES: usize = 15;

impl GapStudy {
    /// The potential sites the zones' `best_site` indexes.
    pub fn sites(&self) -> SiteList<'_> {
        SiteList {
            ids: &self.site_ids,
            lonlat: &self.site_lonlat,
        }
    }

    /// The study as the HTML report shows it.
    pub fn report(&self) -> GapsReport<'_> {
        GapsReport {
            zones: &self.zones,
            sites: self.sites(),
            link_m: self.link_m,
            outline_buffer_m: self.outline_buffer_m,
        }
    }
}

/// The files of a `gaps` run: `summary.json` (the coverage summary with its `gaps`
/// section), `gaps.geojson`, `gap_compounds.geojson` and `compounds.geojson`. Returns the
/// summary too, for printing.
pub fn gap_study_outputs<'a>(
    layers: super::RunLayers<'a>,
    run: &super::RunInfo,
    gaps: &GapStudy,
) -> (super::Summary, OutputSet<'a>) {
    let super::RunLayers {
        analysis,
        compounds,
        centres,
        circle,
    } = layers;
    let mut summary = layers.summary(run);
    summary.gaps = Some(super::GapsSummary::new(gaps, compounds));
    let mut files = OutputSet::new();
    files.add("summary.json", summary.to_json().into_bytes());
    let (xy, plane) = (&analysis.compounds_xy, &analysis.study);
    gaps_outputs(gaps, compounds, xy, plane, &mut files);
    files.add(
        "compounds.geojson",
        super::compounds_geojson(compounds, centres, analysis, circle).into_bytes(),
    );
    (summary, files)
}

/// Adds the study's layers to a run's outputs: `gaps.geojson` and `gap_compounds.geojson`
/// into `files` (its `summary.json` section is [`GapsSummary`](super::GapsSummary)).
pub fn gaps_outputs(
    gaps: &GapStudy,
    compounds: &Compounds,
    compounds_xy: &[[f64; 2]],
    study: &StudyArea,
    files: &mut OutputSet,
) {
    files.add(
        "gaps.geojson",
        gaps_geojson(
            &gaps.zones,
            compounds_xy,
            study,
            gaps.sites(),
            gaps.outline_buffer_m,
        )
        .into_bytes(),
    );
    files.add(
        "gap_compounds.geojson",
        gap_compounds_geojson(&gaps.zones, compounds, study).into_bytes(),
    );
}

/// The terminal table of the largest zones with their best new sites.
pub fn gaps_table(gaps: &GapStudy) -> String {
    let mut table = format!(
        "\n{} gap {} (compounds within {} m of each other share a zone):\n",
        super::table::thousands(gaps.zones.len() as f64),
        if gaps.zones.len() == 1 {
            "zone"
        } else {
            "zones"
        },
        super::table::thousands(gaps.link_m)
    );
    let rows: Vec<Vec<String>> = gaps
        .zones
        .iter()
        .enumerate()
        .take(TABLE_ZONES)
        .map(|(z, zone)| {
            vec![
                zone_id(z),
                super::table::thousands(zone.population),
                super::table::thousands(zone.compounds.len() as f64),
                zone.best_site
                    .map(|(s, p)| {
                        format!(
                            "{} (+{})",
                            gaps.site_ids[s as usize],
                            super::table::thousands(p)
                        )
                    })
                    .unwrap_or_default(),
            ]
        })
        .collect();
    table.push_str(&render_table(
        &[
            "zone",
            "population",
            "compounds",
            "best new site (+population)",
        ],
        &rows,
    ));
    if gaps.zones.len() > TABLE_ZONES {
        let more = gaps.zones.len() - TABLE_ZONES;
        table.push_str(&format!("  … and {more} smaller zones\n"));
    }
    table
}
