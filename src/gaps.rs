//! Gap zones: the compounds outside every circle, grouped where their own circles touch
//! (one new centre could serve them together), each with the best single new-site location.

use geo::{ConvexHull, MultiPoint, Point};
use rstar::RTree;
use rstar::primitives::GeomWithData;

use crate::coverage::{Analysis, Costs, CoverageMatrix};
use crate::model::{Centres, Compounds};

/// Uncovered compounds whose circles touch share a zone: they lie within this many radii of
/// each other.
pub const LINK_RADII: f64 = 2.0;

/// A zone's display outline runs this many radii around its compounds.
pub const OUTLINE_RADII: f64 = 0.25;

/// Where a gap study looks for each zone's best new site.
#[derive(Debug, Clone, Copy, Default)]
pub struct GapOptions<'a> {
    /// Every uncovered compound's own location is a potential site (the `gaps` command).
    pub sites_at_uncovered_compounds: bool,
    /// Candidate sites, after those.
    pub candidates: Option<&'a Centres>,
}

/// A gap study: the zones, their best sites and the potential sites they were chosen from.
#[derive(Debug, Clone)]
pub struct GapStudy {
    /// Zones, largest population first.
    pub zones: Vec<GapZone>,
    /// Potential sites' ids (uncovered compounds' ids, then candidates').
    pub site_ids: Vec<String>,
    /// Potential sites, WGS84.
    pub site_lonlat: Vec<[f64; 2]>,
    /// Rows: potential sites; columns: the compounds each reaches within the circle.
    pub site_cover: CoverageMatrix,
    /// Zone link distance, metres.
    pub link_m: f64,
    /// Zone outline buffer, metres.
    pub outline_buffer_m: f64,
}

/// Groups the compounds `analysis` leaves uncovered into zones and finds each zone's best
/// potential site under the same metric (`costs`) and circle (`radius_m`).
pub fn study_gaps(
    analysis: &Analysis,
    costs: &Costs,
    compounds: &Compounds,
    radius_m: f64,
    options: GapOptions,
) -> GapStudy {
    let covered = analysis.coverage.covered();
    let link_m = LINK_RADII * radius_m;
    let mut zones = gap_zones(
        &analysis.compounds_xy,
        &compounds.population,
        &covered,
        link_m,
    );
    let mut site_ids: Vec<String> = Vec::new();
    let mut site_lonlat: Vec<[f64; 2]> = Vec::new();
    if options.sites_at_uncovered_compounds {
        for i in (0..covered.len()).filter(|&i| !covered[i]) {
            site_ids.push(compounds.ids[i].clone());
            site_lonlat.push(compounds.lonlat[i]);
        }
    }
    if let Some(c) = options.candidates {
        site_ids.extend(c.ids.iter().cloned());
        site_lonlat.extend(c.lonlat.iter().copied());
    }
    let site_xy = analysis.study.project(&site_lonlat);
    let budgets = vec![radius_m + crate::circle::COVER_TOLERANCE_M; site_xy.len()];
    let site_cover = costs
        .coverage(&analysis.compounds_xy, &site_xy, &site_ids, &budgets)
        .0
        .by_compound
        .transpose();
    choose_best_sites(&mut zones, &site_cover, &compounds.population);
    GapStudy {
        zones,
        site_ids,
        site_lonlat,
        site_cover,
        link_m,
        outline_buffer_m: OUTLINE_RADII * radius_m,
    }
}

/// One gap zone.
#[derive(Debug, Clone, PartialEq)]
pub struct GapZone {
    /// Uncovered compounds in the zone, ascending.
    pub compounds: Vec<u32>,
    /// Their population.
    pub population: f64,
    /// The potential site covering most of the zone's population, and that population.
    pub best_site: Option<(u32, f64)>,
}

/// Groups uncovered compounds into zones: two compounds share a zone when they lie within
/// `link_m` of each other (chains included). Zones are sorted by population, largest first
/// (ties: lowest compound index).
pub fn gap_zones(
    compounds_xy: &[[f64; 2]],
    population: &[f64],
    covered: &[bool],
    link_m: f64,
) -> Vec<GapZone> {
    let uncovered: Vec<u32> = (0..compounds_xy.len() as u32)
        .filter(|&i| !covered[i as usize])
        .collect();
    let tree = RTree::bulk_load(
        uncovered
            .iter()
            .enumerate()
            .map(|(k, &i)| GeomWithData::new(compounds_xy[i as usize], k as u32))
            .collect(),
    );
    let mut parent: Vec<u32> = (0..uncovered.len() as u32).collect();
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            parent[x as usize] = parent[parent[x as usize] as usize];
            x = parent[x as usize];
        }
        x
    }
    let r2 = link_m * link_m;
    for (k, &i) in uncovered.iter().enumerate() {
        for other in tree.locate_within_distance(compounds_xy[i as usize], r2) {
            let (a, b) = (find(&mut parent, k as u32), find(&mut parent, other.data));
            if a != b {
                parent[a.max(b) as usize] = a.min(b);
            }
        }
    }
    let mut zones: Vec<GapZone> = Vec::new();
    let mut zone_of_root = vec![u32::MAX; uncovered.len()];
    for (k, &i) in uncovered.iter().enumerate() {
        let root = find(&mut parent, k as u32) as usize;
        if zone_of_root[root] == u32::MAX {
            zone_of_root[root] = zones.len() as u32;
            zones.push(GapZone {
                compounds: Vec::new(),
                population: 0.0,
                best_site: None,
            });
        }
        let z = &mut zones[zone_of_root[root] as usize];
        z.compounds.push(i);
        z.population += population[i as usize];
    }
    zones.sort_by(|a, b| {
        b.population
            .total_cmp(&a.population)
            .then(a.compounds[0].cmp(&b.compounds[0]))
    });
    zones
}

/// Fills each zone's best site: the potential site (row of `site_cover`, columns compounds)
/// that covers most of the zone's population (among sites covering none of it, the one
/// reaching most of its compounds; ties: lowest site index).
pub fn choose_best_sites(zones: &mut [GapZone], site_cover: &CoverageMatrix, population: &[f64]) {
    let by_compound = site_cover.transpose();
    // Per site: the zone population it reaches and how many of the zone's compounds.
    let mut gain = vec![(0.0f64, 0u32); site_cover.n_rows()];
    let mut touched: Vec<u32> = Vec::new();
    for zone in zones.iter_mut() {
        for &i in &zone.compounds {
            for &s in by_compound.row(i as usize).0 {
                let g = &mut gain[s as usize];
                if g.1 == 0 {
                    touched.push(s);
                }
                g.0 += population[i as usize];
                g.1 += 1;
            }
        }
        touched.sort_unstable();
        let better =
            |x: (f64, u32), b: (f64, u32)| x.0 > b.0 || (x.0 == 0.0 && b.0 == 0.0 && x.1 > b.1);
        zone.best_site = touched
            .iter()
            .map(|&s| (s, gain[s as usize]))
            .fold(None, |best: Option<(u32, (f64, u32))>, x| match best {
                Some(b) if !better(x.1, b.1) => Some(b),
                _ => Some(x),
            })
            .map(|(s, (population, _))| (s, population));
        for &s in &touched {
            gain[s as usize] = (0.0, 0);
        }
        touched.clear();
    }
}

/// A display outline for a zone: the convex hull of small circles (radius `buffer_m`) around
/// its compounds, on the plane, as a closed counter-clockwise ring.
pub fn zone_outline(points_xy: &[[f64; 2]], buffer_m: f64) -> Vec<[f64; 2]> {
    const SIDES: usize = 16;
    let mut pts: Vec<Point> = Vec::with_capacity(points_xy.len() * SIDES);
    for p in points_xy {
        for k in 0..SIDES {
            let a = std::f64::consts::TAU * k as f64 / SIDES as f64;
            pts.push(Point::new(
                p[0] + buffer_m * a.cos(),
                p[1] + buffer_m * a.sin(),
            ));
        }
    }
    let hull = MultiPoint(pts).convex_hull();
    hull.exterior().0.iter().map(|c| [c.x, c.y]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::euclidean;

    #[test]
    fn zones_chain_touching_circles_and_sum_to_the_uncovered_population() {
        let xy = [
            [0.0, 0.0],
            [1500.0, 0.0],
            [3000.0, 0.0],
            [9000.0, 0.0],
            [100.0, 100.0],
        ];
        let pop = [10.0, 20.0, 30.0, 5.0, 100.0];
        let covered = [false, false, false, false, true];
        let zones = gap_zones(&xy, &pop, &covered, 2000.0);
        assert_eq!(zones.len(), 2);
        assert_eq!(zones[0].compounds, vec![0, 1, 2]);
        assert_eq!(zones[0].population, 60.0);
        let sum: f64 = zones.iter().map(|z| z.population).sum();
        assert_eq!(sum, 35.0 + 30.0);
    }

    #[test]
    fn best_site_covers_most_of_the_zone() {
        let xy = [[0.0, 0.0], [800.0, 0.0], [1600.0, 0.0]];
        let pop = [10.0, 10.0, 50.0];
        let mut zones = gap_zones(&xy, &pop, &[false; 3], 2000.0);
        // Potential sites at each compound; the middle one reaches all three at 800 m.
        let cover = euclidean(&xy, &xy, &[800.0; 3]).by_compound.transpose();
        choose_best_sites(&mut zones, &cover, &pop);
        assert_eq!(zones[0].best_site, Some((1, 70.0)));
    }

    #[test]
    fn a_zone_of_no_residents_has_a_best_site_of_population_zero() {
        let xy = [[0.0, 0.0], [800.0, 0.0], [1600.0, 0.0]];
        let pop = [0.0; 3];
        let mut zones = gap_zones(&xy, &pop, &[false; 3], 2000.0);
        let cover = euclidean(&xy, &xy, &[800.0; 3]).by_compound.transpose();
        choose_best_sites(&mut zones, &cover, &pop);
        // The middle site reaches all three compounds; none of them has anyone.
        assert_eq!(zones[0].best_site, Some((1, 0.0)));
    }

    #[test]
    fn outline_contains_its_points() {
        let ring = zone_outline(&[[0.0, 0.0], [100.0, 0.0], [0.0, 100.0]], 10.0);
        assert_eq!(ring.first(), ring.last());
        let poly = geo::Polygon::new(
            ring.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>().into(),
            vec![],
        );
        use geo::Contains;
        assert!(poly.contains(&Point::new(30.0, 30.0)));
    }
}
