//! Reading point layers (GeoJSON, CSV) into plain columns, and writing outputs atomically.
//! This is the only module, with `report`, that touches files.

mod csv_read;
mod geojson_read;
mod input;
mod layer;
mod matrix;
mod write;

pub use input::read_input;
pub use layer::{
    Encoding, ID_NAMES, IdField, LayerFormat, PointLayer, ReadOptions, Scalar, check_coordinates,
    parse_crs_member, parse_points, read_points,
};
pub use matrix::{CostTable, CostUnit, MatrixColumns};
pub(crate) use write::push_json_str;
pub use write::{OutputSet, resolve};

#[allow(unused_imports)] // used by the network reader
pub(crate) use geojson_read::{Pos, RawGeometry, ScalarValue, json_error};
