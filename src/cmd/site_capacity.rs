//! Capacity flags of `site`: turned into the workflow's `CapacityOptions`.

use circleplan::siting::CapacityOptions;

/// Capacity flags of `site`.
#[derive(Debug, Clone, clap::Args)]
pub struct CapacityArgs {
    /// Centres and candidate sites have capacities (--capacity-field, read on both layers):
    /// choose the sites that serve the most residents with no site over its capacity.
    #[arg(long)]
    pub capacitated: bool,
    /// Residents per unit of the capacity field (e.g. 8.73 per m² of floor area).
    #[arg(
        long,
        value_name = "R",
        default_value_t = 1.0,
        allow_negative_numbers = true
    )]
    pub residents_per_capacity: f64,
    /// Capacity, in the capacity field's unit, of candidate sites without a value (every
    /// candidate with `--candidates auto`).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub candidate_capacity: Option<f64>,
}

impl CapacityArgs {
    /// Warnings for the capacity flags given without `--capacitated`.
    pub fn unused(&self) -> Vec<circleplan::Warning> {
        let given = [
            (
                self.residents_per_capacity != 1.0,
                "--residents-per-capacity",
            ),
            (self.candidate_capacity.is_some(), "--candidate-capacity"),
        ];
        given
            .into_iter()
            .filter(|&(given, _)| given && !self.capacitated)
            .map(|(_, option)| circleplan::Warning::UnusedOption {
                option: option.into(),
                why: "capacities are used with --capacitated only".into(),
            })
            .collect()
    }

    /// The workflow's capacity options; `None` without `--capacitated`.
    pub fn options(&self) -> Option<CapacityOptions> {
        self.capacitated.then_some(CapacityOptions {
            residents_per_capacity: self.residents_per_capacity,
            candidate_capacity: self.candidate_capacity,
        })
    }
}
