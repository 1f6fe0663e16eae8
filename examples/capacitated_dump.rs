//! Writes the capacitated siting instance `circleplan site --capacitated --add K` solves, for
//! the MILP peer (`benches/peers/capacitated_milp.py`), and circleplan's answer on it.
//!
//!     cargo run --release --example capacitated_dump -- --compounds C.geojson \
//!         [--centers S.geojson] --candidates K.geojson --add 5 --residents-per-capacity 3 \
//!         [--candidate-capacity N] [--capacity-field NAME] [--minutes 15 | --radius M] \
//!         [--speed 4] --dump instance.json
//!
//! The layers are read, projected and measured as the CLI does with its default flags
//! (straight-line metric, WGS84 inputs), the reach comes from the same `Costs::coverage` calls
//! `run_site` makes and the capacities are in residents after `--residents-per-capacity`, so
//! both solvers see one instance: no distance or rounding is re-derived in Python. The
//! answer is `run_site`'s (greedy, bounds tightened as the CLI's), so the dump's
//! `circleplan.objective` must equal the CLI's `objective` on the same flags.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use circleplan::capacity::centre_capacities;
use circleplan::coverage::Costs;
use circleplan::io::ReadOptions;
use circleplan::siting::{CandidateSource, CapacityOptions, Goal, SiteOptions, run_site};
use circleplan::{
    Analysis, CentreFields, Centres, Circle, CompoundFields, Compounds, CoverageMatrix, StudyArea,
};
use serde_json::json;

fn value<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .map(|p| args.get(p + 1).expect("a value after the flag").as_str())
}

fn number(args: &[String], name: &str) -> Option<f64> {
    value(args, name).map(|v| v.parse().expect("a number after the flag"))
}

fn path(args: &[String], name: &str) -> PathBuf {
    PathBuf::from(value(args, name).unwrap_or_else(|| panic!("{name} FILE is required")))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let k: usize = value(&args, "--add").map_or(5, |v| v.parse().expect("--add K"));
    let r = number(&args, "--residents-per-capacity").unwrap_or(1.0);
    let candidate_default = number(&args, "--candidate-capacity");
    let speed = number(&args, "--speed").unwrap_or(4.0);
    let circle = match number(&args, "--radius") {
        Some(radius) => Circle::from_radius(radius, speed),
        None => Circle::from_minutes(number(&args, "--minutes").unwrap_or(15.0), speed),
    }
    .expect("a valid circle");
    let fields = CentreFields {
        capacity_field: value(&args, "--capacity-field").map(str::to_string),
        ..CentreFields::default()
    };
    let mut warnings = Vec::new();
    let read = ReadOptions::default();
    let compounds = Compounds::load(
        &path(&args, "--compounds"),
        &read,
        &CompoundFields::default(),
        &mut warnings,
    )
    .expect("compounds");
    let centres = match value(&args, "--centers") {
        Some(p) => Centres::load(p.as_ref(), &read, &fields, &mut warnings).expect("centres"),
        None => Centres::empty(),
    };
    let candidates = Centres::load(&path(&args, "--candidates"), &read, &fields, &mut warnings)
        .expect("candidates");
    // The CLI's plane: every non-empty layer, in its order.
    let mut layers: Vec<(&str, &[[f64; 2]])> = vec![("compounds", &compounds.lonlat)];
    for (name, layer) in [("centers", &centres), ("candidates", &candidates)] {
        if !layer.is_empty() {
            layers.push((name, &layer.lonlat));
        }
    }
    let study = StudyArea::new(&layers, &mut warnings);
    let costs = Costs::Euclidean;
    let analysis = Analysis::new(study, &costs, &compounds, &centres, &circle);
    let t = Instant::now();
    let run = run_site(
        &analysis,
        &costs,
        &compounds,
        &centres,
        SiteOptions {
            goal: Goal::Add(k),
            time_limit: Duration::from_secs_f64(number(&args, "--time-limit").unwrap_or(60.0)),
            candidates: CandidateSource::Layer(&candidates),
            radius_m: circle.radius_m,
            capacity: Some(CapacityOptions {
                residents_per_capacity: r,
                candidate_capacity: candidate_default,
            }),
            fixed: None,
            distance: None,
        },
    )
    .expect("a capacitated plan");
    let solve_s = t.elapsed().as_secs_f64();
    let plan = run.capacitated.expect("capacitated answer");
    // The instance, measured by the calls `run_site` makes.
    let existing = costs
        .coverage(
            &analysis.compounds_xy,
            &analysis.centres_xy,
            &centres.ids,
            &analysis.budget_m,
        )
        .0
        .by_compound;
    let candidates_xy = analysis.study.project(&candidates.lonlat);
    let budgets = vec![circle.radius_m; candidates_xy.len()];
    let reach = costs
        .coverage(
            &analysis.compounds_xy,
            &candidates_xy,
            &candidates.ids,
            &budgets,
        )
        .0
        .by_compound;
    let existing_capacity = if centres.is_empty() {
        Vec::new()
    } else {
        centre_capacities(&centres, r).expect("every centre has a capacity")
    };
    let candidate_capacity: Vec<f64> = candidates
        .capacity
        .iter()
        .map(|own| own.or(candidate_default).expect("a candidate capacity") * r)
        .collect();
    let dump = json!({
        "k": k,
        "radius_m": circle.radius_m,
        "residents_per_capacity": r,
        "population": compounds.population,
        "existing_ids": centres.ids,
        "existing_capacity": existing_capacity,
        "candidate_ids": candidates.ids,
        "candidate_capacity": candidate_capacity,
        "existing": rows(&existing),
        "candidates": rows(&reach),
        "circleplan": {
            "objective": plan.objective,
            "base": plan.base,
            "upper_bound": plan.upper_bound,
            "gap": plan.gap,
            "optimal": plan.optimal,
            "reachable": plan.reachable,
            "chosen": plan.chosen.iter().map(|&(c, _)| c).collect::<Vec<u32>>(),
            "solve_s": solve_s,
        },
    });
    let out = path(&args, "--dump");
    std::fs::write(&out, dump.to_string()).expect("dump file");
    println!(
        "{} compounds, {} centres, {} candidates, {} + {} pairs in reach; add {k}: objective {}, \
         bound {}, optimal {} ({solve_s:.3} s) -> {}",
        compounds.len(),
        centres.len(),
        candidates.len(),
        existing.nnz(),
        reach.nnz(),
        plan.objective,
        plan.upper_bound,
        plan.optimal,
        out.display()
    );
}

/// Per row, the columns within reach.
fn rows(m: &CoverageMatrix) -> Vec<&[u32]> {
    (0..m.n_rows()).map(|i| m.row(i).0).collect()
}
