//! The travel budget that defines a service circle: minutes at a walking speed, a radius in
//! metres, a GB 50180-2018 preset, and optional radii per centre level.

use crate::error::{Error, Param, Result};

/// Costs within this much of a radius count as within it (1 mm): far below any input's
/// accuracy, above the rounding of a projected input's metres carried through WGS84 onto the
/// plane.
pub const COVER_TOLERANCE_M: f64 = 0.001;

/// Default walking speed, km/h (15 minutes ≈ 1000 m).
pub const DEFAULT_SPEED_KMH: f64 = 4.0;
/// Default circle, minutes.
pub const DEFAULT_MINUTES: f64 = 15.0;

/// A service circle: a compound is covered when its travel cost is `<=` the radius of a
/// centre that reaches it.
#[derive(Debug, Clone, PartialEq)]
pub struct Circle {
    /// Walking minutes the circle stands for.
    pub minutes: f64,
    /// Walking speed, km/h, used to turn metres into minutes.
    pub speed_kmh: f64,
    /// The budget in metres for centres without a level-specific radius.
    pub radius_m: f64,
    /// `Some("gb50180")` when the radius came from the standard's presets.
    pub standard: Option<String>,
    /// Radii for particular centre levels (compared ignoring case), in the order given.
    pub level_radius_m: Vec<(String, f64)>,
}

fn positive(param: Param, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(Error::parameter(param, value, "must be a number > 0"))
    }
}

/// Largest radius of a circle, metres: the largest study area the local plane measures
/// within 0.1 % ([`crate::MAX_SPAN_M`]). Larger circles are meaningless on that plane (and
/// at hundreds of thousands of kilometres break the polygon code outright).
pub const MAX_RADIUS_M: f64 = crate::study::MAX_SPAN_M;

/// Refuses a budget whose radius (`radius_m`, from `value` given for `param`) exceeds
/// [`MAX_RADIUS_M`].
fn within_plane(param: Param, value: f64, radius_m: f64) -> Result<()> {
    if radius_m <= MAX_RADIUS_M {
        return Ok(());
    }
    let what = match param {
        Param::Radius | Param::LevelRadius => String::new(),
        _ => format!("gives a radius of {radius_m:.0} m; "),
    };
    Err(Error::parameter(
        param,
        value,
        format!(
            "{what}a radius must be at most {MAX_RADIUS_M:.0} m (the largest study area the \
             local plane measures accurately)"
        ),
    ))
}

impl Circle {
    /// `minutes` of walking at `speed_kmh`.
    pub fn from_minutes(minutes: f64, speed_kmh: f64) -> Result<Circle> {
        let minutes = positive(Param::Minutes, minutes)?;
        let speed_kmh = positive(Param::Speed, speed_kmh)?;
        let radius_m = minutes / 60.0 * speed_kmh * 1000.0;
        within_plane(Param::Minutes, minutes, radius_m)?;
        Ok(Circle {
            minutes,
            speed_kmh,
            radius_m,
            standard: None,
            level_radius_m: Vec::new(),
        })
    }

    /// A fixed radius in metres; `minutes` is what it takes to walk it at `speed_kmh`.
    pub fn from_radius(radius_m: f64, speed_kmh: f64) -> Result<Circle> {
        let radius_m = positive(Param::Radius, radius_m)?;
        within_plane(Param::Radius, radius_m, radius_m)?;
        let speed_kmh = positive(Param::Speed, speed_kmh)?;
        Ok(Circle {
            minutes: radius_m / (speed_kmh * 1000.0 / 60.0),
            speed_kmh,
            radius_m,
            standard: None,
            level_radius_m: Vec::new(),
        })
    }

    /// GB 50180-2018 walking distances: 5 min → 300 m, 10 min → 500 m, 15 min → 1000 m.
    pub fn gb50180(minutes: f64, speed_kmh: f64) -> Result<Circle> {
        let radius_m = match minutes {
            5.0 => 300.0,
            10.0 => 500.0,
            15.0 => 1000.0,
            _ => {
                return Err(Error::parameter(
                    Param::Minutes,
                    minutes,
                    "the gb50180 standard defines 5, 10 and 15 minute circles",
                ));
            }
        };
        let speed_kmh = positive(Param::Speed, speed_kmh)?;
        Ok(Circle {
            minutes,
            speed_kmh,
            radius_m,
            standard: Some("gb50180".into()),
            level_radius_m: Vec::new(),
        })
    }

    /// Adds a radius for centres of `level`.
    pub fn with_level_radius(mut self, level: &str, radius_m: f64) -> Result<Circle> {
        let radius_m = positive(Param::LevelRadius, radius_m)?;
        within_plane(Param::LevelRadius, radius_m, radius_m)?;
        let level = level.trim();
        if level.is_empty() {
            return Err(Error::parameter(
                Param::LevelRadius,
                level,
                "write it as LEVEL=METRES, e.g. station=300",
            ));
        }
        self.level_radius_m
            .retain(|(l, _)| !l.eq_ignore_ascii_case(level));
        self.level_radius_m.push((level.to_string(), radius_m));
        Ok(self)
    }

    /// Parses `LEVEL=METRES`.
    pub fn parse_level_radius(spec: &str) -> Result<(String, f64)> {
        let bad = || {
            Error::parameter(
                Param::LevelRadius,
                spec,
                "write it as LEVEL=METRES, e.g. station=300",
            )
        };
        let (level, r) = spec.split_once('=').ok_or_else(bad)?;
        let r: f64 = r.trim().parse().map_err(|_| bad())?;
        Ok((level.trim().to_string(), r))
    }

    /// The budget a cost is compared with for a centre of `level`: its radius plus
    /// [`COVER_TOLERANCE_M`], so a pair at exactly the radius stays covered whatever rounding
    /// the path to the plane added.
    pub fn budget_for_level(&self, level: &str) -> f64 {
        self.radius_for_level(level) + COVER_TOLERANCE_M
    }

    /// The budget of a new site (the circle's own radius plus [`COVER_TOLERANCE_M`]).
    pub fn budget_m(&self) -> f64 {
        self.radius_m + COVER_TOLERANCE_M
    }

    /// The radius, metres, for a centre of `level`.
    pub fn radius_for_level(&self, level: &str) -> f64 {
        self.level_radius_m
            .iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(level.trim()))
            .map(|&(_, r)| r)
            .unwrap_or(self.radius_m)
    }

    /// The largest budget of any level.
    pub fn max_radius_m(&self) -> f64 {
        self.level_radius_m
            .iter()
            .map(|&(_, r)| r)
            .fold(self.radius_m, f64::max)
    }

    /// Checks that every level given a radius is the level of some centre (compared
    /// ignoring case, as [`Circle::radius_for_level`] does): a radius for a level nobody has
    /// would silently change nothing. The error lists the levels the centres have.
    pub fn check_levels<'a>(&self, levels: impl IntoIterator<Item = &'a str>) -> Result<()> {
        let mut known: Vec<&str> = levels
            .into_iter()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        known.sort_unstable();
        known.dedup();
        for (level, r) in &self.level_radius_m {
            if !known.iter().any(|k| k.eq_ignore_ascii_case(level)) {
                let have = if known.is_empty() {
                    "no centre has any level (no centres, or no level field)".to_string()
                } else {
                    format!("the centres' levels are: {}", known.join(", "))
                };
                return Err(Error::parameter(
                    Param::LevelRadius,
                    format!("{level}={r}"),
                    format!("no centre has level {level:?}; {have}"),
                ));
            }
        }
        Ok(())
    }

    /// Walking minutes for a distance in metres at this circle's speed.
    pub fn minutes_for(&self, distance_m: f64) -> f64 {
        distance_m / (self.speed_kmh * 1000.0 / 60.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifteen_minutes_at_four_kmh_is_a_kilometre() {
        let c = Circle::from_minutes(15.0, 4.0).unwrap();
        assert!((c.radius_m - 1000.0).abs() < 1e-9);
        assert!((c.minutes_for(500.0) - 7.5).abs() < 1e-9);
    }

    #[test]
    fn gb50180_presets() {
        assert_eq!(Circle::gb50180(5.0, 4.0).unwrap().radius_m, 300.0);
        assert_eq!(Circle::gb50180(10.0, 4.0).unwrap().radius_m, 500.0);
        assert_eq!(Circle::gb50180(15.0, 4.0).unwrap().radius_m, 1000.0);
        assert!(Circle::gb50180(20.0, 4.0).is_err());
    }

    #[test]
    fn zero_negative_or_nan_budgets_are_refused() {
        assert!(Circle::from_minutes(0.0, 4.0).is_err());
        assert!(Circle::from_minutes(15.0, -1.0).is_err());
        assert!(Circle::from_radius(f64::NAN, 4.0).is_err());
        assert!(Circle::from_radius(-5.0, 4.0).is_err());
    }

    #[test]
    fn circles_larger_than_the_plane_are_a_range_error() {
        let e = Circle::from_radius(4e8, 4.0).unwrap_err().to_string();
        assert_eq!(
            e,
            "invalid radius 400000000: a radius must be at most 300000 m (the largest study \
             area the local plane measures accurately)"
        );
        assert!(Circle::from_radius(MAX_RADIUS_M, 4.0).is_ok());
        let e = Circle::from_minutes(1e9, 4.0).unwrap_err().to_string();
        assert!(
            e.starts_with("invalid minutes 1000000000: gives a radius of "),
            "{e}"
        );
        let e = Circle::from_radius(500.0, 4.0)
            .unwrap()
            .with_level_radius("station", 1e7)
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid level radius 10000000: a radius")
        );
    }

    #[test]
    fn level_radii_override_the_default() {
        let (l, r) = Circle::parse_level_radius("station=300").unwrap();
        let c = Circle::from_radius(1000.0, 4.0)
            .unwrap()
            .with_level_radius(&l, r)
            .unwrap();
        assert_eq!(c.radius_for_level("Station"), 300.0);
        assert_eq!(c.radius_for_level("community"), 1000.0);
        assert_eq!(c.max_radius_m(), 1000.0);
        assert!(Circle::parse_level_radius("station").is_err());
    }

    #[test]
    fn a_radius_for_a_level_nobody_has_is_refused() {
        let c = Circle::from_radius(1000.0, 4.0)
            .unwrap()
            .with_level_radius("Station", 300.0)
            .unwrap();
        assert!(c.check_levels(["station", "street"]).is_ok());
        let c = c.with_level_radius("nosuch", 300.0).unwrap();
        let err = c.check_levels(["street", "station", "street"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid level radius nosuch=300: no centre has level \"nosuch\"; the centres' \
             levels are: station, street"
        );
        assert!(
            c.check_levels([""])
                .unwrap_err()
                .to_string()
                .contains("no centre has any level")
        );
    }
}
