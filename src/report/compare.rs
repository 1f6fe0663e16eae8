//! `compare`'s outputs: the `scenarios` section of `summary.json`, the per-scenario columns
//! of the compound layers (`covered_<name>`, `change_<name>`), `scenarios.csv` (one row per
//! scenario × group), `scenario_sites.geojson` and the terminal table.

use serde::Serialize;

use super::layers::{push_point, write_centres_geojson, write_collection};
use super::summary::{RunInfo, Summary, pairs_as_map};
use super::table::{percent, thousands};
use super::tables::{BOM, write_compounds_csv_with};
use super::{RunLayers, group_csv, group_csv_name, render_table, write_compounds_geojson};
use crate::coverage::{
    Comparison, LoadChange, Scenario, ScenarioGroupRow, ScenarioLevelRow, ScenarioResult,
};
use crate::io::{OutputSet, push_json_str};

/// One scenario in `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioSummary {
    /// The name.
    pub name: String,
    /// Sites added.
    pub added: usize,
    /// Centres closed.
    pub closed: usize,
    /// Their ids.
    pub added_ids: Vec<String>,
    /// Their ids.
    pub closed_ids: Vec<String>,
    /// Covered population under the scenario.
    pub covered_population: f64,
    /// Covered share.
    pub share: f64,
    /// Against the baseline.
    pub delta_population: f64,
    /// Against the baseline.
    pub delta_share: f64,
    /// Compounds covered now and not in the baseline.
    pub compounds_gained: usize,
    /// Compounds covered in the baseline and not now.
    pub compounds_lost: usize,
    /// Covered compounds under the scenario.
    pub covered_compounds: usize,
    /// Per `--group-by` field, one row per value.
    #[serde(serialize_with = "pairs_as_map")]
    pub groups: Vec<(String, Vec<ScenarioGroupRow>)>,
    /// Per centre level.
    pub levels: Vec<ScenarioLevelRow>,
    /// The centres whose served residents change most.
    pub load_changes: Vec<LoadChange>,
}

impl ScenarioSummary {
    /// The summary of one result; `fields` names its group tables.
    pub fn new(r: &ScenarioResult, fields: &[String]) -> ScenarioSummary {
        ScenarioSummary {
            name: r.name.clone(),
            added: r.added_ids.len(),
            closed: r.closed_ids.len(),
            added_ids: r.added_ids.clone(),
            closed_ids: r.closed_ids.clone(),
            covered_population: r.covered_population,
            share: r.share,
            delta_population: r.delta_population,
            delta_share: r.delta_share,
            compounds_gained: r.compounds_gained,
            compounds_lost: r.compounds_lost,
            covered_compounds: r.covered_compounds,
            groups: fields
                .iter()
                .cloned()
                .zip(r.groups.iter().cloned())
                .collect(),
            levels: r.levels.clone(),
            load_changes: r.load_changes.clone(),
        }
    }
}

/// The per-compound columns of every scenario, in scenario order.
fn scenario_columns(cmp: &Comparison) -> Vec<String> {
    cmp.scenarios
        .iter()
        .flat_map(|r| [format!("covered_{}", r.name), format!("change_{}", r.name)])
        .collect()
}

/// The files of a `compare` run: those of `coverage` with `covered_<name>`/`change_<name>`
/// per scenario in `compounds.geojson`/`.csv`, plus `scenarios.csv` and
/// `scenario_sites.geojson`. Returns the summary too.
pub fn compare_outputs<'a>(
    layers: RunLayers<'a>,
    run: &RunInfo,
    cmp: &'a Comparison,
    scenarios: &'a [Scenario],
) -> (Summary, OutputSet<'a>) {
    let RunLayers {
        analysis,
        compounds,
        centres,
        circle,
    } = layers;
    let mut summary = layers.summary(run);
    let fields = &compounds.group_fields;
    summary.scenarios = Some(
        cmp.scenarios
            .iter()
            .map(|r| ScenarioSummary::new(r, fields))
            .collect(),
    );
    let mut out = OutputSet::new();
    out.add("summary.json", summary.to_json().into_bytes());
    out.add_stream(
        "compounds.geojson",
        Box::new(move |w| {
            let keys = geojson_keys(cmp);
            let extra = |s: &mut String, i: usize| push_geojson_columns(s, cmp, &keys, i);
            write_compounds_geojson(w, compounds, centres, analysis, circle, &extra)
        }),
    );
    out.add_stream(
        "centers.geojson",
        Box::new(move |w| write_centres_geojson(w, centres, analysis, &|_, _| {})),
    );
    let header = scenario_columns(cmp);
    out.add_stream(
        "compounds.csv",
        Box::new(move |w| {
            let extra = |s: &mut String, i: usize| push_csv_columns(s, cmp, i);
            let layers = (compounds, centres, analysis, circle);
            write_compounds_csv_with(w, layers, &header, &extra)
        }),
    );
    for (field, rows) in compounds.group_fields.iter().zip(&analysis.groups) {
        out.add(&group_csv_name(field), group_csv(field, rows));
    }
    out.add("scenarios.csv", scenarios_csv(cmp, fields));
    let sites = scenario_sites_geojson(layers, scenarios);
    out.add("scenario_sites.geojson", sites.into_bytes());
    (summary, out)
}

/// Each scenario's GeoJSON keys, escaped once: `,"covered_<name>":` and `,"change_<name>":`.
fn geojson_keys(cmp: &Comparison) -> Vec<(String, String)> {
    cmp.scenarios
        .iter()
        .map(|r| {
            let key = |prefix: &str| {
                let mut k = String::from(",");
                push_json_str(&mut k, &format!("{prefix}{}", r.name));
                k.push(':');
                k
            };
            (key("covered_"), key("change_"))
        })
        .collect()
}

fn push_geojson_columns(s: &mut String, cmp: &Comparison, keys: &[(String, String)], i: usize) {
    for (r, (covered, change)) in cmp.scenarios.iter().zip(keys) {
        s.push_str(covered);
        s.push_str(if r.covered[i] { "true" } else { "false" });
        s.push_str(change);
        s.push('"');
        s.push_str(r.change[i].as_str());
        s.push('"');
    }
}

fn push_csv_columns(s: &mut String, cmp: &Comparison, i: usize) {
    for r in &cmp.scenarios {
        s.push_str(if r.covered[i] { ",true," } else { ",false," });
        s.push_str(r.change[i].as_str());
    }
}

/// `scenarios.csv`: one row per scenario and group value (one row per scenario without
/// `--group-by`), UTF-8 with BOM for spreadsheets.
pub fn scenarios_csv(cmp: &Comparison, fields: &[String]) -> Vec<u8> {
    let mut bytes = BOM.to_vec();
    {
        let mut out = csv::Writer::from_writer(&mut bytes);
        let _ = out.write_record([
            "scenario",
            "field",
            "value",
            "population",
            "baseline_covered_population",
            "baseline_share",
            "covered_population",
            "share",
            "delta_population",
            "delta_share",
            "compounds_gained",
            "compounds_lost",
        ]);
        let num = |x: f64| super::summary::round(x, 6).to_string();
        let share = |p: f64, of: f64| num(if of > 0.0 { p / of } else { 0.0 });
        for r in &cmp.scenarios {
            if fields.is_empty() {
                let total = cmp.total_population;
                let _ = out.write_record([
                    r.name.clone(),
                    String::new(),
                    String::new(),
                    num(total),
                    num(cmp.baseline_population),
                    share(cmp.baseline_population, total),
                    num(r.covered_population),
                    num(r.share),
                    num(r.delta_population),
                    num(r.delta_share),
                    r.compounds_gained.to_string(),
                    r.compounds_lost.to_string(),
                ]);
            }
            for (field, rows) in fields.iter().zip(&r.groups) {
                for g in rows {
                    let _ = out.write_record([
                        r.name.clone(),
                        field.clone(),
                        g.value.clone(),
                        num(g.population),
                        num(g.baseline_population),
                        share(g.baseline_population, g.population),
                        num(g.covered_population),
                        num(g.share),
                        num(g.delta_population),
                        num(g.delta_share),
                        g.compounds_gained.to_string(),
                        g.compounds_lost.to_string(),
                    ]);
                }
            }
        }
        let _ = out.flush();
    }
    bytes
}

/// One row of `scenario_sites.geojson`: scenario, action, id, level, name, position.
type SiteRow<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, [f64; 2]);

/// `scenario_sites.geojson`: every site a scenario adds or closes, with `scenario`,
/// `action` (`added`/`closed`), `id`, `level` and `name`.
pub fn scenario_sites_geojson(layers: RunLayers, scenarios: &[Scenario]) -> String {
    let centres = layers.centres;
    let mut rows: Vec<SiteRow> = Vec::new();
    for s in scenarios {
        let a = &s.added;
        for i in 0..a.len() {
            rows.push((
                &s.name,
                "added",
                &a.ids[i],
                &a.level[i],
                &a.name[i],
                a.lonlat[i],
            ));
        }
        for &c in &s.closed {
            let c = c as usize;
            let (id, level, name) = (&centres.ids[c], &centres.level[c], &centres.name[c]);
            rows.push((&s.name, "closed", id, level, name, centres.lonlat[c]));
        }
    }
    let mut out = Vec::new();
    let study = &layers.analysis.study;
    write_collection(&mut out, rows.len(), &|s: &mut String, i: usize| {
        let (scenario, action, id, level, name, p) = rows[i];
        s.push_str("{\"type\":\"Feature\",\"properties\":{\"scenario\":");
        push_json_str(s, scenario);
        s.push_str(",\"action\":");
        push_json_str(s, action);
        s.push_str(",\"id\":");
        push_json_str(s, id);
        s.push_str(",\"level\":");
        push_json_str(s, level);
        s.push_str(",\"name\":");
        push_json_str(s, name);
        s.push_str("},\"geometry\":");
        push_point(s, study.output_lonlat(p));
        s.push('}');
    })
    .expect("writing to memory cannot fail");
    String::from_utf8(out).expect("features are UTF-8")
}

/// The terminal table: the baseline and each scenario side by side.
pub fn compare_table(cmp: &Comparison) -> String {
    let pct = percent;
    let signed = |x: f64| {
        let sign = if x < 0.0 { "-" } else { "+" };
        format!("{sign}{}", thousands(x.abs()))
    };
    let total = cmp.total_population;
    let base_share = if total > 0.0 {
        cmp.baseline_population / total
    } else {
        0.0
    };
    let mut rows = vec![vec![
        "(baseline)".to_string(),
        String::new(),
        String::new(),
        thousands(cmp.baseline_population),
        pct(base_share),
        String::new(),
        String::new(),
        String::new(),
    ]];
    for r in &cmp.scenarios {
        rows.push(vec![
            r.name.clone(),
            r.added_ids.len().to_string(),
            r.closed_ids.len().to_string(),
            thousands(r.covered_population),
            pct(r.share),
            signed(r.delta_population),
            thousands(r.compounds_gained as f64),
            thousands(r.compounds_lost as f64),
        ]);
    }
    let header = [
        "scenario", "added", "closed", "covered", "share", "change", "gained", "lost",
    ];
    format!("\nScenarios\n{}", render_table(&header, &rows))
}
