//! The 15-minute life circle: many facility types at once, each with its own level and
//! distance from a profile (GB 50180-2018 built in), completeness per compound, and 2SFCA.

mod access;
mod analysis;
mod facilities;
mod profile;
mod scenario;
mod walk;

pub use access::two_step_fca;
pub use analysis::{GroupRow, LevelRow, LifeCircle, LifeCircleOptions, Share, TypeResult, TypeRow};
pub use facilities::{Facilities, FacilityFields, TYPE_NAMES};
pub use profile::{BUILTIN_PROFILES, FacilityType, Profile};
pub use scenario::{
    Added, FacilityEffect, LevelChange, LifeCircleScenarioResult, TypeChange, life_circle_changes,
};

#[cfg(test)]
mod tests;
