//! Reading point layers (GeoJSON, CSV) into plain columns, and writing outputs atomically.
//! This is the only module, with `report`, that touches files.

mod csv_read;
mod geojson_read;
mod layer;
mod matrix;
mod write;

pub use layer::{
    Encoding, LayerFormat, PointLayer, ReadOptions, Scalar, check_coordinates, read_points,
};
pub use matrix::{CostTable, CostUnit, MatrixColumns};
pub use write::{OutputSet, json_string, push_json_str, resolve};

#[allow(unused_imports)] // used by the network reader
pub(crate) use geojson_read::{Pos, RawGeometry, ScalarValue, json_error};
