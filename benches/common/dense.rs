//! Hard maximal-covering instances for the siting benches and the `mclp_hard` example: a
//! dense city in a small square box, so each compound is within reach of dozens to hundreds
//! of candidates and greedy lands well below the optimum. Seeded: equal specs, equal cities.

use circleplan::CoverageMatrix;
use circleplan::coverage::euclidean;
use circleplan::rng::Rng;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct DenseSpec {
    /// Compounds.
    pub compounds: usize,
    /// Candidate sites.
    pub candidates: usize,
    /// Existing centres (open, already covering).
    pub centres: usize,
    /// Side of the square box, km.
    pub box_km: f64,
    /// Clusters of compounds (0: uniform over the box).
    pub clusters: usize,
    /// Seed.
    pub seed: u64,
}

/// A generated instance: positions in metres on a plane, population, and coverage.
pub struct DenseCity {
    /// Compound positions, metres.
    pub compounds: Vec<[f64; 2]>,
    /// Residents per compound.
    pub population: Vec<f64>,
    /// Candidate positions, metres.
    pub candidates: Vec<[f64; 2]>,
    /// Existing centre positions, metres.
    pub centres: Vec<[f64; 2]>,
}

impl DenseCity {
    /// Generates the city.
    pub fn new(spec: &DenseSpec) -> DenseCity {
        let mut rng = Rng::new(spec.seed);
        let side = spec.box_km * 1000.0;
        let uniform = |rng: &mut Rng| [rng.range(0.0, side), rng.range(0.0, side)];
        let centers: Vec<[f64; 2]> = (0..spec.clusters).map(|_| uniform(&mut rng)).collect();
        let spread = side / (spec.clusters.max(1) as f64).sqrt() * 0.3;
        let compounds: Vec<[f64; 2]> = (0..spec.compounds)
            .map(|_| {
                if centers.is_empty() || rng.f64() < 0.2 {
                    return uniform(&mut rng);
                }
                let c = centers[rng.below(centers.len())];
                [
                    (c[0] + rng.normal() * spread).clamp(0.0, side),
                    (c[1] + rng.normal() * spread).clamp(0.0, side),
                ]
            })
            .collect();
        let population = (0..spec.compounds)
            .map(|_| (1200f64.ln() + 0.6 * rng.normal()).exp().round().max(50.0))
            .collect();
        let candidates = (0..spec.candidates).map(|_| uniform(&mut rng)).collect();
        let centres = (0..spec.centres).map(|_| uniform(&mut rng)).collect();
        DenseCity {
            compounds,
            population,
            candidates,
            centres,
        }
    }

    /// Candidate coverage (rows = candidates) and which compounds the centres cover, at
    /// `radius_m`.
    pub fn cover(&self, radius_m: f64) -> (CoverageMatrix, Vec<bool>) {
        let cand = euclidean(
            &self.compounds,
            &self.candidates,
            &vec![radius_m; self.candidates.len()],
        );
        let covered = if self.centres.is_empty() {
            vec![false; self.compounds.len()]
        } else {
            euclidean(
                &self.compounds,
                &self.centres,
                &vec![radius_m; self.centres.len()],
            )
            .covered()
        };
        (cand.by_compound.transpose(), covered)
    }
}
