//! Coordinate systems: Chinese web-map offsets, projected input CRSs, and the local metric
//! plane that every distance in circleplan is measured on.

mod chinese;
mod plane;
mod projected;
mod wkt;

pub use chinese::{
    CoordSystem, bd09_to_gcj02, bd09_to_wgs84, gcj02_to_bd09, gcj02_to_wgs84, wgs84_to_bd09,
    wgs84_to_gcj02,
};
pub use plane::{LocalPlane, TransverseMercator, span_m};
pub use projected::{Projected, transverse_mercator};
pub use wkt::{WktCrs, recognise_wkt};
