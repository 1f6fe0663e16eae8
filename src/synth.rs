//! Seeded synthetic cities for the demo, the tests and the benchmarks: clustered compounds
//! with realistic populations, a "1 + 11 + N + X" centre network, candidate sites, and a street
//! grid cut by a river with few bridges, so walking and straight-line distance differ.

use crate::crs::LocalPlane;
use crate::io::push_json_str;
use crate::report::{push_f64, push_rounded};
use crate::rng::Rng;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthSpec {
    /// Number of compounds.
    pub compounds: usize,
    /// Number of existing centres (all levels).
    pub centres: usize,
    /// Number of candidate sites.
    pub candidates: usize,
    /// Seed; equal specs give byte-identical cities.
    pub seed: u64,
    /// WGS84 centre of the city (default: Hefei).
    pub origin: (f64, f64),
    /// Side of the square study area, km. `None`: grows with the compound count, about 4
    /// compounds per km² for a district and a 130 km square at 1,000,000 compounds (a sparse
    /// region). A small box makes a dense megacity (1,000,000 compounds in 30 km).
    pub box_km: Option<f64>,
    /// Number of settlement clusters compounds gather around. `None`: one per 40 compounds.
    /// Few clusters in a small box pile hundreds of centres into every circle.
    pub clusters: Option<usize>,
}

impl SynthSpec {
    /// The built-in demo district: 536 compounds, 266 centres, 400 candidate sites.
    pub fn demo() -> SynthSpec {
        SynthSpec {
            compounds: 536,
            centres: 266,
            candidates: 400,
            seed: 2024,
            origin: (117.283, 31.867),
            box_km: None,
            clusters: None,
        }
    }
}

/// A compound of the synthetic city.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthCompound {
    /// Id, e.g. `C0001`.
    pub id: String,
    /// Position on the city plane, metres.
    pub xy: [f64; 2],
    /// Residents.
    pub population: f64,
    /// Sub-district (街道).
    pub street: String,
    /// Community (社区).
    pub community: String,
}

/// A centre or candidate site of the synthetic city.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthSite {
    /// Id, e.g. `S001`.
    pub id: String,
    /// Position on the city plane, metres.
    pub xy: [f64; 2],
    /// district / street / community / station (`candidate` for candidates).
    pub level: String,
    /// Display name.
    pub name: String,
    /// Floor area, m².
    pub capacity: f64,
}

/// A street: a polyline on the city plane with its OSM-style class and name.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthStreet {
    /// Id.
    pub id: String,
    /// `primary` or `residential`.
    pub highway: String,
    /// Name.
    pub name: String,
    /// Vertices, metres.
    pub points: Vec<[f64; 2]>,
}

/// A generated city, on a plane centred on `spec.origin`.
#[derive(Debug, Clone)]
pub struct SynthCity {
    /// The plane the city was laid out on.
    pub plane: LocalPlane,
    /// Compounds.
    pub compounds: Vec<SynthCompound>,
    /// Existing centres.
    pub centres: Vec<SynthSite>,
    /// Candidate sites.
    pub candidates: Vec<SynthSite>,
    /// Streets (split into pieces where the river has no bridge).
    pub streets: Vec<SynthStreet>,
    /// The river's centre line, metres (the barrier; not a street).
    pub river: Vec<[f64; 2]>,
    /// Side length of the square city, metres.
    pub side_m: f64,
}

fn width(n: usize) -> usize {
    n.max(1).to_string().len()
}

/// The river's centre line: y as a function of x, on a city of side `side` metres.
fn river_line(side: f64) -> impl Fn(f64) -> f64 {
    move |x: f64| -0.1 * side + 0.08 * side * (std::f64::consts::TAU * 1.3 * x / side).sin()
}

/// Generates a city.
///
/// # Panics
/// When `spec.compounds == 0` or `spec.box_km` is not a positive number.
pub fn generate(spec: &SynthSpec) -> SynthCity {
    assert!(spec.compounds > 0, "a synthetic city needs compounds");
    assert!(
        spec.box_km.is_none_or(|km| km > 0.0 && km.is_finite()),
        "box_km must be a positive number of kilometres"
    );
    let mut rng = Rng::new(spec.seed);
    let n = spec.compounds;
    // About 4 compounds per km² for a district (Luyang: 536 over 134 km²), denser as cities
    // grow, so 1,000,000 compounds still fit a ~130 km square.
    let density_km2 = 4.0 * (n as f64 / 500.0).max(1.0).powf(0.35);
    let side = spec
        .box_km
        .map_or((n as f64 / density_km2).sqrt() * 1000.0, |km| km * 1000.0);
    let river_y = river_line(side);
    let xy = compound_positions(&mut rng, spec, side, &river_y);
    let population: Vec<f64> = (0..n)
        .map(|_| (1200f64.ln() + 0.6 * rng.normal()).exp().round().max(50.0))
        .collect();
    let m = spec.centres;
    let n_street = (m / 24).clamp(usize::from(m > 1), 11.min(m.saturating_sub(1)));
    let seeds = street_seeds(&xy, n_street.max(1));
    let compounds = name_compounds(&mut rng, &xy, &population, &seeds);
    let centres = centre_network(&mut rng, &xy, &population, &seeds, (m, n_street), side);
    let candidates = candidate_sites(&mut rng, &xy, spec.candidates, side);
    let streets = street_grid(&mut rng, side, n, &river_y);
    let half = side / 2.0;
    let river = (0..=200)
        .map(|i| {
            let x = -half + side * i as f64 / 200.0;
            [x, river_y(x)]
        })
        .collect();
    SynthCity {
        plane: LocalPlane::new(spec.origin.0, spec.origin.1),
        compounds,
        centres,
        candidates,
        streets,
        river,
        side_m: side,
    }
}

/// Compound positions: clustered, most clusters near the middle, some scattered, none on the
/// river.
fn compound_positions(
    rng: &mut Rng,
    spec: &SynthSpec,
    side: f64,
    river_y: &dyn Fn(f64) -> f64,
) -> Vec<[f64; 2]> {
    let n = spec.compounds;
    let half = side / 2.0;
    let n_clusters = spec.clusters.map_or((n / 40).max(3), |c| c.max(1));
    let spread = side / (n_clusters as f64).sqrt() * 0.35;
    let clusters: Vec<([f64; 2], f64)> = (0..n_clusters)
        .map(|_| {
            let p = if rng.f64() < 0.7 {
                [rng.normal() * side / 5.0, rng.normal() * side / 5.0]
            } else {
                [rng.range(-half, half), rng.range(-half, half)]
            };
            let p = [p[0].clamp(-half, half), p[1].clamp(-half, half)];
            (p, 0.3 + rng.f64())
        })
        .collect();
    let cluster_cdf = cumulative(clusters.iter().map(|c| c.1));
    let mut xy: Vec<[f64; 2]> = Vec::with_capacity(n);
    while xy.len() < n {
        let (c, _) = clusters[pick(&cluster_cdf, rng)];
        let p = [
            (c[0] + rng.normal() * spread).clamp(-half, half),
            (c[1] + rng.normal() * spread).clamp(-half, half),
        ];
        if (p[1] - river_y(p[0])).abs() > 60.0 {
            xy.push(p);
        }
    }
    xy
}

/// Sub-district seeds: spread by farthest-point sampling over the compounds, then balanced by
/// a few Lloyd iterations.
fn street_seeds(xy: &[[f64; 2]], n_seeds: usize) -> Vec<[f64; 2]> {
    let mut seeds: Vec<[f64; 2]> = vec![xy[nearest_to(xy, [0.0, 0.0])]];
    while seeds.len() < n_seeds {
        let far = (0..xy.len())
            .max_by(|&a, &b| {
                let da = min_d2(&seeds, xy[a]);
                let db = min_d2(&seeds, xy[b]);
                da.total_cmp(&db).then(b.cmp(&a))
            })
            .unwrap_or(0);
        seeds.push(xy[far]);
    }
    for _ in 0..5 {
        let mut sums = vec![[0.0, 0.0, 0.0]; seeds.len()];
        for p in xy {
            let s = &mut sums[nearest_to(&seeds, *p)];
            s[0] += p[0];
            s[1] += p[1];
            s[2] += 1.0;
        }
        for (seed, s) in seeds.iter_mut().zip(&sums) {
            if s[2] > 0.0 {
                *seed = [s[0] / s[2], s[1] / s[2]];
            }
        }
    }
    seeds
}

/// Compounds with ids, their sub-district (nearest seed) and community (nearest of random
/// community seeds).
fn name_compounds(
    rng: &mut Rng,
    xy: &[[f64; 2]],
    population: &[f64],
    seeds: &[[f64; 2]],
) -> Vec<SynthCompound> {
    let n = xy.len();
    let n_comm_seeds = (n / 8).max(1);
    let comm_seeds: Vec<[f64; 2]> = (0..n_comm_seeds).map(|_| xy[rng.below(n)]).collect();
    let comm_tree = rstar::RTree::bulk_load(
        comm_seeds
            .iter()
            .enumerate()
            .map(|(k, p)| rstar::primitives::GeomWithData::new(*p, k))
            .collect(),
    );
    let (sw, cw, cpw) = (width(seeds.len()), width(n_comm_seeds), width(n));
    (0..n)
        .map(|i| SynthCompound {
            id: format!("C{:0cpw$}", i + 1),
            xy: xy[i],
            population: population[i],
            street: format!("街道{:0sw$}", nearest_to(seeds, xy[i]) + 1),
            community: format!(
                "社区{:0cw$}",
                comm_tree.nearest_neighbor(&xy[i]).map_or(0, |s| s.data) + 1
            ),
        })
        .collect()
}

/// The "1 + 11 + N + X" centre network: one district centre, sub-district centres at the
/// seeds, then community centres and stations that favour people near the middle, leaving
/// gaps at the edge of town. `counts` = (all centres, sub-district centres).
fn centre_network(
    rng: &mut Rng,
    xy: &[[f64; 2]],
    population: &[f64],
    seeds: &[[f64; 2]],
    (m, n_street): (usize, usize),
    side: f64,
) -> Vec<SynthSite> {
    let half = side / 2.0;
    let n_community = (m.saturating_sub(1 + n_street)) * 45 / 100;
    let core_weight = (0..xy.len()).map(|i| {
        let r = (xy[i][0].powi(2) + xy[i][1].powi(2)).sqrt() / half;
        population[i] * (-2.5 * r * r).exp()
    });
    let core_cdf = cumulative(core_weight);
    let (mw, sw) = (width(m), width(seeds.len()));
    (0..m)
        .map(|j| {
            let (level, name, capacity, p) = if j == 0 {
                ("district", "区党群服务中心".to_string(), 3000.0, seeds[0])
            } else if j <= n_street {
                let s = seeds[j - 1];
                (
                    "street",
                    format!("街道{:0sw$}党群服务中心", j),
                    1000.0,
                    [s[0] + rng.range(-80.0, 80.0), s[1] + rng.range(-80.0, 80.0)],
                )
            } else {
                let c = xy[pick(&core_cdf, rng)];
                let p = [c[0] + rng.range(-60.0, 60.0), c[1] + rng.range(-60.0, 60.0)];
                if j <= n_street + n_community {
                    ("community", format!("社区服务中心{:0mw$}", j), 400.0, p)
                } else {
                    ("station", format!("便民服务站{:0mw$}", j), 100.0, p)
                }
            };
            SynthSite {
                id: format!("S{:0mw$}", j + 1),
                xy: p,
                level: level.into(),
                name,
                capacity,
            }
        })
        .collect()
}

/// Candidate sites: half near compounds, half anywhere in the city.
fn candidate_sites(rng: &mut Rng, xy: &[[f64; 2]], k: usize, side: f64) -> Vec<SynthSite> {
    let half = side / 2.0;
    let kw = width(k);
    (0..k)
        .map(|j| {
            let p = if j % 2 == 0 {
                let c = xy[rng.below(xy.len())];
                [
                    c[0] + rng.range(-150.0, 150.0),
                    c[1] + rng.range(-150.0, 150.0),
                ]
            } else {
                [rng.range(-half, half), rng.range(-half, half)]
            };
            SynthSite {
                id: format!("K{:0kw$}", j + 1),
                xy: p,
                level: "candidate".into(),
                name: format!("候选点{:0kw$}", j + 1),
                capacity: 400.0,
            }
        })
        .collect()
}

/// `pts` with extra vertices so that no segment is longer than `step_m`.
fn densify(pts: &[[f64; 2]], step_m: f64) -> Vec<[f64; 2]> {
    let mut out = Vec::with_capacity(pts.len());
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let len = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
        let k = (len / step_m).ceil().max(1.0) as usize;
        out.extend((0..k).map(|i| {
            let t = i as f64 / k as f64;
            [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]
        }));
    }
    out.extend(pts.last());
    out
}

/// Running sums of weights, for sampling by binary search.
fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut acc = 0.0;
    weights
        .map(|w| {
            acc += w;
            acc
        })
        .collect()
}

/// An index drawn with probability proportional to its weight.
fn pick(cdf: &[f64], rng: &mut Rng) -> usize {
    let t = rng.f64() * cdf.last().copied().unwrap_or(0.0);
    cdf.partition_point(|&c| c < t).min(cdf.len() - 1)
}

fn min_d2(seeds: &[[f64; 2]], p: [f64; 2]) -> f64 {
    seeds
        .iter()
        .map(|s| (s[0] - p[0]).powi(2) + (s[1] - p[1]).powi(2))
        .fold(f64::INFINITY, f64::min)
}

fn nearest_to(points: &[[f64; 2]], p: [f64; 2]) -> usize {
    let mut best = (f64::INFINITY, 0);
    for (i, q) in points.iter().enumerate() {
        let d = (q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2);
        if d < best.0 {
            best = (d, i);
        }
    }
    best.1
}

/// A jittered street grid with about one node per compound. Rows and columns are polylines
/// through every node (streets meet at shared vertices); they are cut where they would cross
/// the river, except at bridges roughly every 2.5 km, and at a few random blocked links.
fn street_grid(
    rng: &mut Rng,
    side: f64,
    n: usize,
    river_y: &dyn Fn(f64) -> f64,
) -> Vec<SynthStreet> {
    let spacing = (side * side / n as f64).sqrt().clamp(100.0, 400.0);
    let cells = (side / spacing).ceil() as usize;
    let half = side / 2.0;
    let nodes: Vec<Vec<[f64; 2]>> = (0..=cells)
        .map(|i| {
            (0..=cells)
                .map(|j| {
                    [
                        -half + i as f64 * spacing + rng.range(-0.15, 0.15) * spacing,
                        -half + j as f64 * spacing + rng.range(-0.15, 0.15) * spacing,
                    ]
                })
                .collect()
        })
        .collect();
    let bridge_every = ((2500.0 / spacing).round() as usize).max(2);
    let side_of = |p: [f64; 2]| p[1] > river_y(p[0]);
    let mut streets = Vec::new();
    let emit =
        |streets: &mut Vec<SynthStreet>, pts: &mut Vec<[f64; 2]>, main: bool, name: String| {
            if pts.len() >= 2 {
                streets.push(SynthStreet {
                    id: format!("W{}", streets.len() + 1),
                    highway: if main { "primary" } else { "residential" }.into(),
                    name,
                    points: std::mem::take(pts),
                });
            }
            pts.clear();
        };
    #[allow(clippy::needless_range_loop)] // `a`/`b` swap roles between rows and columns
    for vertical in [false, true] {
        for a in 0..=cells {
            let main = a % 8 == 0;
            let name = if vertical {
                format!("{}号路", a + 1)
            } else {
                format!("{}号街", a + 1)
            };
            let mut pts: Vec<[f64; 2]> = Vec::new();
            for b in 0..=cells {
                let p = if vertical { nodes[a][b] } else { nodes[b][a] };
                if let Some(&q) = pts.last() {
                    let crosses = side_of(p) != side_of(q);
                    let bridge = vertical && a % bridge_every == bridge_every / 2;
                    let blocked = !main && rng.f64() < 0.03;
                    if (crosses && !bridge) || blocked {
                        emit(&mut streets, &mut pts, main, name.clone());
                    }
                }
                pts.push(p);
            }
            emit(&mut streets, &mut pts, main, name);
        }
    }
    streets
}

impl SynthCity {
    fn lonlat(&self, p: [f64; 2]) -> [f64; 2] {
        let (lon, lat) = self.plane.unproject(p);
        [(lon * 1e7).round() / 1e7, (lat * 1e7).round() / 1e7]
    }

    fn point_feature(&self, s: &mut String, p: [f64; 2]) {
        let [lon, lat] = self.lonlat(p);
        s.push_str("},\"geometry\":{\"type\":\"Point\",\"coordinates\":[");
        push_f64(s, lon);
        s.push(',');
        push_f64(s, lat);
        s.push_str("]}}");
    }

    /// Compounds as GeoJSON: `id`, `population`, `street`, `community`.
    pub fn compounds_geojson(&self) -> String {
        let mut s = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
        for (i, c) in self.compounds.iter().enumerate() {
            if i > 0 {
                s.push_str(",\n");
            }
            s.push_str("{\"type\":\"Feature\",\"properties\":{\"id\":");
            push_json_str(&mut s, &c.id);
            s.push_str(",\"population\":");
            push_f64(&mut s, c.population);
            s.push_str(",\"street\":");
            push_json_str(&mut s, &c.street);
            s.push_str(",\"community\":");
            push_json_str(&mut s, &c.community);
            self.point_feature(&mut s, c.xy);
        }
        s.push_str("\n]}\n");
        s
    }

    /// Compounds as CSV with Chinese headers (编号, 经度, 纬度, 人口, 街道, 社区), as a
    /// district office would keep them.
    pub fn compounds_csv(&self) -> String {
        let mut s = String::from("编号,经度,纬度,人口,街道,社区\n");
        for c in &self.compounds {
            let [lon, lat] = self.lonlat(c.xy);
            s.push_str(&format!(
                "{},{},{},{},{},{}\n",
                c.id, lon, lat, c.population, c.street, c.community
            ));
        }
        s
    }

    fn sites_geojson(&self, sites: &[SynthSite]) -> String {
        let mut s = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
        for (i, c) in sites.iter().enumerate() {
            if i > 0 {
                s.push_str(",\n");
            }
            s.push_str("{\"type\":\"Feature\",\"properties\":{\"id\":");
            push_json_str(&mut s, &c.id);
            s.push_str(",\"name\":");
            push_json_str(&mut s, &c.name);
            s.push_str(",\"level\":");
            push_json_str(&mut s, &c.level);
            s.push_str(",\"capacity\":");
            push_f64(&mut s, c.capacity);
            self.point_feature(&mut s, c.xy);
        }
        s.push_str("\n]}\n");
        s
    }

    /// Existing centres as GeoJSON: `id`, `name`, `level`, `capacity`.
    pub fn centres_geojson(&self) -> String {
        self.sites_geojson(&self.centres)
    }

    /// Candidate sites as GeoJSON: `id`, `name`, `level` (`candidate`), `capacity`.
    pub fn candidates_geojson(&self) -> String {
        self.sites_geojson(&self.candidates)
    }

    /// Streets as GeoJSON LineStrings: `id`, `highway`, `name`.
    pub fn streets_geojson(&self) -> String {
        self.lines_geojson(&self.streets)
    }

    /// The streets as a typical GIS road layer: east–west streets keep only every other
    /// crossing as a vertex, so half the crossings fall inside segments of both lines (only
    /// `--node-crossings` joins them), and every line gets a vertex every `step_m` metres.
    /// Walls, river cuts and bridges are those of [`SynthCity::streets`].
    ///
    /// # Panics
    /// When `step_m` is not positive.
    pub fn gis_streets(&self, step_m: f64) -> Vec<SynthStreet> {
        assert!(step_m > 0.0, "vertex spacing must be positive");
        self.streets
            .iter()
            .map(|st| {
                let mut pts: Vec<[f64; 2]> = st.points.clone();
                if st.name.ends_with("号街") && pts.len() > 2 {
                    let last = pts[pts.len() - 1];
                    pts = pts.into_iter().step_by(2).collect();
                    if pts.last() != Some(&last) {
                        pts.push(last);
                    }
                }
                SynthStreet {
                    points: densify(&pts, step_m),
                    ..st.clone()
                }
            })
            .collect()
    }

    /// [`SynthCity::gis_streets`] as GeoJSON.
    pub fn gis_streets_geojson(&self, step_m: f64) -> String {
        self.lines_geojson(&self.gis_streets(step_m))
    }

    fn lines_geojson(&self, streets: &[SynthStreet]) -> String {
        let mut s = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
        for (i, st) in streets.iter().enumerate() {
            if i > 0 {
                s.push_str(",\n");
            }
            s.push_str("{\"type\":\"Feature\",\"properties\":{\"id\":");
            push_json_str(&mut s, &st.id);
            s.push_str(",\"highway\":");
            push_json_str(&mut s, &st.highway);
            s.push_str(",\"name\":");
            push_json_str(&mut s, &st.name);
            s.push_str("},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[");
            for (k, p) in st.points.iter().enumerate() {
                if k > 0 {
                    s.push(',');
                }
                let [lon, lat] = self.lonlat(*p);
                s.push('[');
                push_rounded(&mut s, lon, 7);
                s.push(',');
                push_rounded(&mut s, lat, 7);
                s.push(']');
            }
            s.push_str("]}}");
        }
        s.push_str("\n]}\n");
        s
    }
}

/// Facility types `synth --facilities` draws, as a planner's POI layer names them (aliases
/// of the built-in `gb50180-2018` profile), with relative counts: the 5-minute types are
/// the most numerous, as their circles are the smallest.
pub const SYNTH_FACILITY_TYPES: [(&str, f64, f64); 16] = [
    ("幼儿园", 3.0, 300.0),
    ("托儿所", 2.0, 100.0),
    ("社区服务站", 3.0, 50.0),
    ("老年人日间照料中心", 2.0, 40.0),
    ("社区卫生服务站", 3.0, 30.0),
    ("文化活动站", 2.0, 100.0),
    ("小型多功能运动场地", 2.0, 800.0),
    ("室外综合健身场地", 3.0, 300.0),
    ("小学", 2.0, 1000.0),
    ("菜市场", 2.0, 200.0),
    ("中型多功能运动场地", 1.0, 3000.0),
    ("初中", 1.0, 1200.0),
    ("社区卫生服务中心", 1.0, 150.0),
    ("文化活动中心", 1.0, 500.0),
    ("大型多功能运动场地", 1.0, 2000.0),
    ("社区服务中心", 1.0, 1000.0),
];

/// One typed facility of a synthetic city (kindergarten, school, clinic, market, …).
#[derive(Debug, Clone)]
pub struct SynthFacility {
    /// Unique id, `F…`.
    pub id: String,
    /// Position on the city's plane, metres.
    pub xy: [f64; 2],
    /// Type, in Chinese as a POI layer holds it (an alias of a `gb50180-2018` type).
    pub kind: &'static str,
    /// Capacity (places, beds or m², by type).
    pub capacity: f64,
    /// The 街道 of the compound it was placed near (the compounds' `street` field).
    pub street: String,
}

impl SynthCity {
    /// `n` typed facilities near compounds drawn in proportion to population, jittered by up
    /// to 250 m so that some compounds lack some types. Seeded: equal `(n, seed)` give
    /// equal facilities.
    pub fn typed_facilities(&self, n: usize, seed: u64) -> Vec<SynthFacility> {
        let mut rng = Rng::new(seed ^ 0x1f2e_3d4c);
        let pop_cdf = cumulative(self.compounds.iter().map(|c| c.population.max(1.0)));
        let type_cdf = cumulative(SYNTH_FACILITY_TYPES.iter().map(|t| t.1));
        let width = n.max(1).to_string().len();
        (0..n)
            .map(|k| {
                let (kind, _, capacity) = SYNTH_FACILITY_TYPES[pick(&type_cdf, &mut rng)];
                let near = &self.compounds[pick(&pop_cdf, &mut rng)];
                let c = near.xy;
                let xy = [
                    c[0] + rng.range(-250.0, 250.0),
                    c[1] + rng.range(-250.0, 250.0),
                ];
                SynthFacility {
                    id: format!("F{:0width$}", k + 1),
                    xy,
                    kind,
                    capacity,
                    street: near.street.clone(),
                }
            })
            .collect()
    }

    /// Gates for every `every`-th compound: one to three points 30–80 m from the compound's
    /// point in seeded directions (a compound is entered at its edge, not its centre), as
    /// GeoJSON with `id` and `compound`.
    pub fn gates_geojson(&self, every: usize, seed: u64) -> String {
        let mut rng = Rng::new(seed ^ 0x6a7e_5eed);
        let mut s = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
        let mut k = 0;
        for c in self.compounds.iter().step_by(every.max(1)) {
            for _ in 0..1 + rng.below(3) {
                let (angle, r) = (rng.range(0.0, std::f64::consts::TAU), rng.range(30.0, 80.0));
                let xy = [c.xy[0] + r * angle.cos(), c.xy[1] + r * angle.sin()];
                if k > 0 {
                    s.push_str(",\n");
                }
                k += 1;
                s.push_str(&format!(
                    "{{\"type\":\"Feature\",\"properties\":{{\"id\":\"G{k}\",\"compound\":"
                ));
                push_json_str(&mut s, &c.id);
                self.point_feature(&mut s, xy);
            }
        }
        s.push_str("\n]}\n");
        s
    }

    /// Typed facilities as GeoJSON: `id`, `类型`, `capacity`, `street`.
    pub fn facilities_geojson(&self, facilities: &[SynthFacility]) -> String {
        let mut s = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
        for (i, f) in facilities.iter().enumerate() {
            if i > 0 {
                s.push_str(",\n");
            }
            s.push_str("{\"type\":\"Feature\",\"properties\":{\"id\":");
            push_json_str(&mut s, &f.id);
            s.push_str(",\"类型\":");
            push_json_str(&mut s, f.kind);
            s.push_str(",\"capacity\":");
            push_f64(&mut s, f.capacity);
            s.push_str(",\"street\":");
            push_json_str(&mut s, &f.street);
            self.point_feature(&mut s, f.xy);
        }
        s.push_str("\n]}\n");
        s
    }
}

/// A small seeded city read into layers in memory, for examples and tests: `n` compounds,
/// `centres` existing centres and as many candidate sites, grouped by `street`.
///
/// # Panics
/// When `n == 0`.
pub fn small_city(
    n: usize,
    centres: usize,
    seed: u64,
) -> (crate::Compounds, crate::Centres, crate::Centres) {
    let city = generate(&SynthSpec {
        compounds: n,
        centres,
        candidates: centres.max(1),
        seed,
        origin: (117.283, 31.867),
        box_km: None,
        clusters: None,
    });
    let options = crate::io::ReadOptions::default();
    let fields = crate::CompoundFields {
        group_by: vec!["street".into()],
        ..Default::default()
    };
    let mut w = Vec::new();
    let path = std::path::Path::new;
    let bytes = |s: String| s.into_bytes();
    let compounds = crate::Compounds::parse(
        path("compounds.geojson"),
        bytes(city.compounds_geojson()),
        &options,
        &fields,
        &mut w,
    )
    .expect("the generated compounds read back");
    let layer = |name: &str, text: String, w: &mut Vec<crate::Warning>| {
        crate::Centres::parse(path(name), bytes(text), &options, &Default::default(), w)
            .expect("the generated sites read back")
    };
    let c = layer("centers.geojson", city.centres_geojson(), &mut w);
    let k = layer("candidates.geojson", city.candidates_geojson(), &mut w);
    (compounds, c, k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_city() {
        let spec = SynthSpec {
            compounds: 300,
            centres: 40,
            candidates: 30,
            seed: 5,
            origin: (117.0, 31.0),
            box_km: None,
            clusters: None,
        };
        let a = generate(&spec);
        let b = generate(&spec);
        assert_eq!(a.compounds_geojson(), b.compounds_geojson());
        assert_eq!(a.streets_geojson(), b.streets_geojson());
        let c = generate(&SynthSpec { seed: 6, ..spec });
        assert_ne!(a.compounds_geojson(), c.compounds_geojson());
    }

    /// Mean number of centres within `r` metres of a compound.
    fn centres_per_circle(city: &SynthCity, r: f64) -> f64 {
        let hits: usize = city
            .compounds
            .iter()
            .map(|c| {
                let near = |s: &&SynthSite| {
                    (s.xy[0] - c.xy[0]).powi(2) + (s.xy[1] - c.xy[1]).powi(2) <= r * r
                };
                city.centres.iter().filter(near).count()
            })
            .sum();
        hits as f64 / city.compounds.len() as f64
    }

    #[test]
    fn gis_streets_leave_crossings_unnoded_and_densified() {
        let city = generate(&SynthSpec {
            compounds: 2000,
            centres: 30,
            candidates: 0,
            seed: 8,
            origin: (117.0, 31.0),
            box_km: None,
            clusters: None,
        });
        let shared = |streets: &[SynthStreet]| {
            let mut seen = std::collections::HashMap::new();
            for st in streets {
                for p in &st.points {
                    *seen.entry((p[0].to_bits(), p[1].to_bits())).or_insert(0) += 1;
                }
            }
            seen.values().filter(|&&n| n > 1).count()
        };
        let gis = city.gis_streets(40.0);
        assert_eq!(gis.len(), city.streets.len());
        assert!(
            shared(&gis) * 3 < shared(&city.streets) * 2,
            "crossings still noded"
        );
        for st in &gis {
            for w in st.points.windows(2) {
                let len = ((w[1][0] - w[0][0]).powi(2) + (w[1][1] - w[0][1]).powi(2)).sqrt();
                assert!(len <= 40.0 + 1e-9, "{len}");
            }
        }
    }

    #[test]
    fn box_and_clusters_make_a_dense_city() {
        let spec = SynthSpec {
            compounds: 4000,
            centres: 1000,
            candidates: 0,
            seed: 3,
            origin: (117.0, 31.0),
            box_km: None,
            clusters: None,
        };
        let sparse = generate(&spec);
        let dense = generate(&SynthSpec {
            box_km: Some(4.0),
            clusters: Some(4),
            ..spec
        });
        assert_eq!(dense.side_m, 4000.0);
        assert!(sparse.side_m > 20_000.0, "{}", sparse.side_m);
        let inside = |p: [f64; 2]| p[0].abs() <= 2000.0 && p[1].abs() <= 2000.0;
        assert!(dense.compounds.iter().all(|c| inside(c.xy)));
        let (s, d) = (
            centres_per_circle(&sparse, 1000.0),
            centres_per_circle(&dense, 1000.0),
        );
        assert!(d > 10.0 * s && d > 100.0, "sparse {s:.1}, dense {d:.1}");
    }

    #[test]
    fn demo_has_the_1_11_n_x_network() {
        let city = generate(&SynthSpec::demo());
        assert_eq!(city.compounds.len(), 536);
        assert_eq!(city.centres.len(), 266);
        let count = |l: &str| city.centres.iter().filter(|c| c.level == l).count();
        assert_eq!(count("district"), 1);
        assert_eq!(count("street"), 11);
        assert!(count("community") > 50 && count("station") > 50);
        let streets: std::collections::BTreeSet<&str> =
            city.compounds.iter().map(|c| c.street.as_str()).collect();
        assert_eq!(streets.len(), 11);
    }

    #[test]
    fn the_river_cuts_most_streets() {
        let city = generate(&SynthSpec::demo());
        let river = |x: f64| {
            let r = &city.river;
            let k = r.partition_point(|p| p[0] < x).clamp(1, r.len() - 1);
            let (a, b) = (r[k - 1], r[k]);
            a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0])
        };
        let crossings = city
            .streets
            .iter()
            .filter(|s| {
                s.points
                    .windows(2)
                    .any(|w| (w[0][1] > river(w[0][0])) != (w[1][1] > river(w[1][0])))
            })
            .count();
        assert!(crossings >= 1, "no bridge at all");
        assert!(
            crossings <= 6,
            "{crossings} streets cross the river: not a barrier"
        );
    }
}
