//! `site --objective distance|max-distance` end to end: the summary's distance keys checked
//! against a brute-force search over every candidate set, on a cost table (so every walk is
//! known exactly), with and without `--require`/`--exclude`.

mod common;

use std::path::Path;

use common::{collection, fails, point, succeed, write};
use serde_json::Value;

/// Walks capped here (`--max-distance`).
const CAP_M: f64 = 1500.0;

/// A small seeded instance: compounds with residents (a few empty), existing centres and
/// candidates, and the cost of every pair the table lists (missing pairs: no walk).
struct Fixture {
    population: Vec<f64>,
    /// Per existing centre, per compound: metres, `None` when the table has no row.
    centres: Vec<Vec<Option<f64>>>,
    /// The same per candidate.
    candidates: Vec<Vec<Option<f64>>>,
}

/// A small linear congruential generator (the test needs no quality, only a fixed sequence).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

impl Fixture {
    fn new(seed: u64) -> Fixture {
        let mut rng = Lcg(seed);
        let n = 14;
        let population = (0..n)
            .map(|i| {
                if i % 7 == 3 {
                    0.0
                } else {
                    (50 + rng.below(900)) as f64
                }
            })
            .collect();
        let mut costs = |rows: usize| -> Vec<Vec<Option<f64>>> {
            (0..rows)
                .map(|_| {
                    (0..n)
                        .map(|_| match rng.below(10) {
                            // Beyond the cap or not in the table at all.
                            0..=2 => None,
                            3 => Some((CAP_M as u64 + 1 + rng.below(800)) as f64),
                            _ => Some((100 + rng.below(1400)) as f64),
                        })
                        .collect()
                })
                .collect()
        };
        let centres = costs(2);
        let candidates = costs(7);
        Fixture {
            population,
            centres,
            candidates,
        }
    }

    /// Writes compounds, centres, candidates and the cost table into `dir`.
    fn write(&self, dir: &Path) {
        let layer = |prefix: &str, count: usize, props: &dyn Fn(usize) -> String| {
            let feats: Vec<String> = (0..count)
                .map(|i| {
                    let x = format!("{:.4}", 117.28 + 0.001 * i as f64);
                    point(&format!("{prefix}{i}"), x, "31.86", &props(i))
                })
                .collect();
            collection(&feats)
        };
        let pop = |i: usize| format!(r#","population":{}"#, self.population[i]);
        let none = |_: usize| String::new();
        write(dir, "c.geojson", &layer("a", self.population.len(), &pop));
        write(dir, "s.geojson", &layer("S", self.centres.len(), &none));
        write(dir, "k.geojson", &layer("K", self.candidates.len(), &none));
        let mut csv = String::from("site,compound,cost\n");
        for (prefix, rows) in [("S", &self.centres), ("K", &self.candidates)] {
            for (s, row) in rows.iter().enumerate() {
                for (i, d) in row.iter().enumerate() {
                    if let Some(d) = d {
                        csv.push_str(&format!("{prefix}{s},a{i},{d}\n"));
                    }
                }
            }
        }
        write(dir, "m.csv", &csv);
    }

    /// Each compound's walk (capped) with the existing centres and `set` open.
    fn walks(&self, set: &[usize]) -> Vec<f64> {
        (0..self.population.len())
            .map(|i| {
                let rows = self
                    .centres
                    .iter()
                    .chain(set.iter().map(|&c| &self.candidates[c]));
                rows.filter_map(|r| r[i]).fold(CAP_M, f64::min)
            })
            .collect()
    }

    /// Population-weighted mean and longest walk (compounds with residents) of `set`.
    fn score(&self, set: &[usize]) -> (f64, f64) {
        let walks = self.walks(set);
        let total: f64 = self.population.iter().sum();
        let mean = walks
            .iter()
            .zip(&self.population)
            .map(|(w, p)| w * p)
            .sum::<f64>()
            / total;
        let max = walks
            .iter()
            .zip(&self.population)
            .filter(|(_, p)| **p > 0.0)
            .map(|(w, _)| *w)
            .fold(0.0, f64::max);
        (mean, max)
    }

    /// The least mean and least longest walk over sets of at most `k` candidates containing
    /// `required` and none of `excluded`.
    fn brute_force(&self, k: usize, required: &[usize], excluded: &[usize]) -> (f64, f64) {
        let m = self.candidates.len();
        let (mut mean, mut max) = (f64::INFINITY, f64::INFINITY);
        for mask in 0u32..1 << m {
            let set: Vec<usize> = (0..m).filter(|c| mask >> c & 1 == 1).collect();
            if set.len() > k
                || required.iter().any(|r| !set.contains(r))
                || excluded.iter().any(|e| set.contains(e))
            {
                continue;
            }
            let (a, b) = self.score(&set);
            mean = mean.min(a);
            max = max.min(b);
        }
        (mean, max)
    }
}

/// `site` on the fixture's layers and cost table, written by [`Fixture::write`].
const FIXTURE_RUN: [&str; 11] = [
    "site",
    "--compounds",
    "c.geojson",
    "--centers",
    "s.geojson",
    "--candidates",
    "k.geojson",
    "--metric",
    "matrix",
    "--matrix",
    "m.csv",
];

/// `site` with `objective` on the fixture in `dir`, its `site` section.
fn site(dir: &Path, objective: &str, k: usize, extra: &[&str]) -> Value {
    let k = k.to_string();
    let cap = CAP_M.to_string();
    let mut args = FIXTURE_RUN.to_vec();
    args.extend_from_slice(&[
        "--radius",
        "800",
        "--add",
        &k,
        "--objective",
        objective,
        "--max-distance",
        &cap,
        "--format",
        "json",
        "--quiet",
    ]);
    args.extend_from_slice(extra);
    let out = succeed(dir, &args);
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    s["site"].clone()
}

fn chosen(site: &Value) -> Vec<usize> {
    site["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap()[1..].parse().unwrap())
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1.0)
}

/// Every distance key of one run against the brute-force optimum `best` of its objective.
fn check(fx: &Fixture, s: &Value, objective: &str, best: f64, label: &str) {
    let kind = if objective == "distance" {
        "distance"
    } else {
        "max_distance"
    };
    assert_eq!(s["objective_kind"], kind, "{label}");
    assert_eq!(s["optimal"], true, "{label}");
    assert_eq!(s["status"], "proven", "{label}");
    assert_eq!(s["gap"].as_f64().unwrap(), 0.0, "{label}");
    assert_eq!(s["distance_cap_m"].as_f64().unwrap(), CAP_M, "{label}");
    let got = |key: &str| s[key].as_f64().unwrap_or_else(|| panic!("{label}: {key}"));
    // The plan's own sites, re-scored here, give the figures it reports.
    let (mean, max) = fx.score(&chosen(s));
    assert!(
        close(got("mean_distance_m"), mean),
        "{label}: mean {mean} {s}"
    );
    assert!(close(got("max_distance_m"), max), "{label}: max {max} {s}");
    let (mean_before, max_before) = fx.score(&[]);
    assert!(close(got("mean_distance_before_m"), mean_before), "{label}");
    assert!(close(got("max_distance_before_m"), max_before), "{label}");
    // And the objective is the least any set gives, proven (the bound meets it).
    let objective_m = if kind == "distance" { mean } else { max };
    assert!(
        close(objective_m, best),
        "{label}: {objective_m} vs best {best}"
    );
    assert!(close(got("distance_lower_bound_m"), best), "{label}");
}

#[test]
fn distance_objectives_match_exhaustive_search() {
    for seed in 1..=4u64 {
        let dir = tempfile::tempdir().unwrap();
        let fx = Fixture::new(seed);
        fx.write(dir.path());
        for k in [1, 3] {
            let (mean, max) = fx.brute_force(k, &[], &[]);
            for (objective, best) in [("distance", mean), ("max-distance", max)] {
                let s = site(dir.path(), objective, k, &[]);
                let label = format!("seed {seed} k {k} {objective}");
                check(&fx, &s, objective, best, &label);
                assert!(chosen(&s).len() <= k, "{label}");
                assert_eq!(s["add"], k, "{label}");
            }
        }
    }
}

#[test]
fn distance_objectives_honour_require_and_exclude() {
    for seed in 5..=8u64 {
        let dir = tempfile::tempdir().unwrap();
        let fx = Fixture::new(seed);
        fx.write(dir.path());
        // Require a site the free optimum may not want, exclude what it would take first.
        let free = site(dir.path(), "distance", 2, &[]);
        let excluded: Vec<usize> = chosen(&free).into_iter().take(1).collect();
        let required = if excluded == [6] { 5 } else { 6 };
        let ex = excluded
            .iter()
            .map(|c| format!("K{c}"))
            .collect::<Vec<_>>()
            .join(",");
        let req = format!("K{required}");
        let mut extra = vec!["--require", &req];
        if !ex.is_empty() {
            extra.extend(["--exclude", &ex]);
        }
        let (mean, max) = fx.brute_force(3, &[required], &excluded);
        for (objective, best) in [("distance", mean), ("max-distance", max)] {
            let s = site(dir.path(), objective, 3, &extra);
            let label = format!("seed {seed} {objective} require {req} exclude {ex}");
            check(&fx, &s, objective, best, &label);
            let sites = chosen(&s);
            assert_eq!(sites[0], required, "{label}: required site first");
            assert_eq!(s["sites"][0]["required"], true, "{label}");
            assert_eq!(s["required"][0], req.as_str(), "{label}");
            assert!(sites.iter().all(|c| !excluded.contains(c)), "{label}");
            assert!(sites.len() <= 3, "{label}");
            let listed: Vec<&str> = s["excluded"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(listed.join(","), ex, "{label}");
        }
    }
}

#[test]
fn distance_objectives_refuse_what_they_cannot_do() {
    let dir = tempfile::tempdir().unwrap();
    let fx = Fixture::new(9);
    fx.write(dir.path());
    let base = [&FIXTURE_RUN[..], &["--objective", "distance"]].concat();
    let err = fails(dir.path(), &[&base[..], &["--target", "0.9"]].concat());
    assert!(err.contains("--add K"), "{err}");
    let err = fails(
        dir.path(),
        &[&base[..], &["--add", "2", "--require", "K9"]].concat(),
    );
    assert!(err.contains("K9"), "{err}");
    let err = fails(
        dir.path(),
        &[&base[..], &["--add", "1", "--require", "K1,K2"]].concat(),
    );
    assert!(err.contains("required"), "{err}");
}

#[test]
fn distance_report_draws_walks_before_and_after() {
    let dir = tempfile::tempdir().unwrap();
    let fx = Fixture::new(2);
    fx.write(dir.path());
    let k = "2".to_string();
    let args = [
        &FIXTURE_RUN[..],
        &[
            "--add",
            &k,
            "--objective",
            "distance",
            "--max-distance",
            "1500",
            "--report",
            "r.html",
            "--lang",
            "en",
            "--format",
            "json",
            "--quiet",
        ],
    ]
    .concat();
    let out = succeed(dir.path(), &args);
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    let html = common::read(&dir.path().join("r.html"));
    assert!(html.contains("id=\"chart-walk-curve\""), "no walk curve");
    assert!(html.contains("Walks beyond 1500 m"), "no cap note");
    for key in ["site.mean_distance_m", "site.mean_distance_before_m"] {
        assert!(
            html.contains(&format!("data-key=\"{key}\"")),
            "{key} not shown"
        );
    }
    assert_eq!(
        circleplan::report::html::headline_mismatches(&html, &summary, 1e-9),
        Vec::<String>::new()
    );
    // A coverage run has no walk curve.
    let coverage: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| !["--objective", "distance", "--max-distance", "1500"].contains(a))
        .collect();
    succeed(dir.path(), &coverage);
    let html = common::read(&dir.path().join("r.html"));
    assert!(!html.contains("chart-walk-curve"));
}

/// spopt's San Francisco instance (205 tracts, 16 stores, network distances; see
/// `tests/fixtures/spopt_sf/README.md`): p = 4 gives spopt's p-median and p-center optima, which
/// an exhaustive search over the 1,820 sets here confirms.
#[test]
fn spopt_san_francisco_optima_are_reached() {
    let fx = common::repo().join("tests/fixtures/spopt_sf");
    let path = |f: &str| fx.join(f).to_string_lossy().into_owned();
    // The cost table and the weights, in f64 as spopt reads them.
    let compounds = common::read_json(&fx.join("compounds.geojson"));
    let weight: std::collections::HashMap<String, f64> = common::props(&compounds)
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["population"].as_f64().unwrap(),
            )
        })
        .collect();
    let mut cost: std::collections::BTreeMap<String, Vec<(f64, String)>> = Default::default();
    for line in common::read(&fx.join("costs.csv")).lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        cost.entry(f[0].to_string())
            .or_default()
            .push((f[2].parse().unwrap(), f[1].to_string()));
    }
    let stores: Vec<&String> = cost.keys().collect();
    let score = |set: &[&String]| -> (f64, f64) {
        let mut walk: std::collections::HashMap<&str, f64> = Default::default();
        for s in set {
            for (d, c) in &cost[*s] {
                let w = walk.entry(c.as_str()).or_insert(f64::INFINITY);
                *w = w.min(*d);
            }
        }
        let total: f64 = weight.values().sum();
        let mean = walk.iter().map(|(c, w)| w * weight[*c]).sum::<f64>() / total;
        (mean, walk.values().copied().fold(0.0, f64::max))
    };
    let (mut best_mean, mut best_max) = (f64::INFINITY, f64::INFINITY);
    for mask in 0u32..1 << stores.len() {
        if mask.count_ones() == 4 {
            let set: Vec<&String> = (0..stores.len())
                .filter(|j| mask >> j & 1 == 1)
                .map(|j| stores[j])
                .collect();
            let (mean, max) = score(&set);
            best_mean = best_mean.min(mean);
            best_max = best_max.min(max);
        }
    }
    assert!((best_mean - 2982.1268579890657).abs() < 1e-6, "{best_mean}");
    assert!((best_max - 7403.063810849859).abs() < 1e-6, "{best_max}");
    let dir = tempfile::tempdir().unwrap();
    for (objective, known, sites) in [
        (
            "distance",
            best_mean,
            ["Store_11", "Store_12", "Store_15", "Store_2"],
        ),
        (
            "max-distance",
            best_max,
            ["Store_11", "Store_13", "Store_15", "Store_7"],
        ),
    ] {
        let args = [
            "site".to_string(),
            "--compounds".into(),
            path("compounds.geojson"),
            "--candidates".into(),
            path("candidates.geojson"),
            "--metric".into(),
            "matrix".into(),
            "--matrix".into(),
            path("costs.csv"),
            "--add".into(),
            "4".into(),
            "--objective".into(),
            objective.into(),
            "--max-distance".into(),
            "30000".into(),
            "--format".into(),
            "json".into(),
            "--quiet".into(),
        ];
        let out = succeed(dir.path(), &args);
        let s = &serde_json::from_slice::<Value>(&out.stdout).unwrap()["site"];
        let mut got: Vec<&str> = s["sites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap())
            .collect();
        got.sort_unstable();
        assert_eq!(got, sites, "{objective}");
        assert_eq!(s["status"], "proven", "{objective}");
        let key = if objective == "distance" {
            "mean_distance_m"
        } else {
            "max_distance_m"
        };
        // The cost table is stored in f32: within its rounding of the f64 optimum.
        let reported = s[key].as_f64().unwrap();
        assert!(
            (reported - known).abs() <= 1e-6 * known,
            "{objective}: {reported} vs {known}"
        );
    }
}
