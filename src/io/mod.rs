//! Reading point layers (GeoJSON, CSV, Shapefile, GeoPackage) into plain columns, street files into lines, and
//! writing outputs atomically. This is the only module, with `report`, that touches files.

mod csv_read;
mod dbf;
mod features;
mod geojson;
mod geojson_fast;
mod geojson_read;
mod gpkg;
mod gpkg_write;
mod ids;
mod input;
mod layer;
mod matrix;
mod osm_pbf;
mod properties;
mod shp;
mod streets;
mod wkb;
mod write;

pub use features::{WkbFeature, WkbLayer, geojson_from_wkb, wkb_features};
pub use ids::read_id_list;
pub use input::{InputBytes, read_input};
pub use layer::{
    Encoding, ID_NAMES, IdField, LayerFormat, PointLayer, ReadOptions, Scalar, check_coordinates,
    parse_crs_member, parse_points, read_points,
};
pub use matrix::{CostTable, CostUnit, MatrixColumns};
pub use properties::{parse_properties, read_properties};
pub(crate) use write::push_json_str;
pub use write::{OutputSet, resolve};

pub(crate) use streets::{LineLayer, parse_geojson_lines, read_streets};
