//! GeoJSON layers for GIS users: compounds with their coverage, centres with their load, and
//! service circles. RFC 7946 (WGS84 lon/lat), plain scalar properties, formatted in parallel
//! chunks and joined in order so the bytes never depend on the thread count.

use rayon::prelude::*;

use super::decimal::{push_decimals, push_scaled, round_half_away};
use crate::circle::Circle;
use crate::coverage::Analysis;
use crate::io::push_json_str;
use crate::model::{Centres, Compounds};
use crate::study::OUTPUT_DECIMALS;

/// Appends a float in its shortest round-trip form (`null` when not finite).
pub fn push_f64(out: &mut String, x: f64) {
    if !x.is_finite() {
        out.push_str("null");
    } else if x.fract() == 0.0 && x.abs() < 1e15 {
        out.push_str(itoa::Buffer::new().format(x as i64));
    } else {
        out.push_str(ryu::Buffer::new().format_finite(x));
    }
}

/// Appends a float rounded to `digits` decimals (`null` when not finite).
pub fn push_rounded(out: &mut String, x: f64, digits: i32) {
    let f = 10f64.powi(digits);
    let m = round_half_away(x * f);
    if let Ok(d) = usize::try_from(digits)
        && push_scaled(out, m, d)
    {
        return;
    }
    push_f64(out, m / f);
}

/// Appends a Point geometry; its coordinates are written as [`push_f64`] writes them (fast
/// for [`crate::study::StudyArea::output_lonlat`]'s rounded ones).
pub(crate) fn push_point(out: &mut String, p: [f64; 2]) {
    out.push_str("{\"type\":\"Point\",\"coordinates\":[");
    push_coordinate(out, p[0]);
    out.push(',');
    push_coordinate(out, p[1]);
    out.push_str("]}");
}

/// Appends an output longitude or latitude exactly as [`push_f64`] does, fast when it is
/// rounded to [`OUTPUT_DECIMALS`].
pub(crate) fn push_coordinate(out: &mut String, x: f64) {
    push_decimals(out, x, OUTPUT_DECIMALS as usize);
}

/// Appends a Polygon geometry whose one ring is given in plane metres, written as output
/// longitude/latitude to 7 decimals (about 1 cm) and made valid at that precision (see
/// [`super::polygon::valid_polygon`]); `null` when the ring spans no area.
pub(crate) fn push_polygon(
    s: &mut String,
    study: &crate::study::StudyArea,
    ring: impl IntoIterator<Item = [f64; 2]>,
) {
    let ring: Vec<[f64; 2]> = ring
        .into_iter()
        .map(|p| study.unproject_output(p))
        .collect();
    if let Some(parts) = super::polygon::split_at_antimeridian(&ring) {
        s.push_str("{\"type\":\"MultiPolygon\",\"coordinates\":[");
        for (k, part) in parts.iter().enumerate() {
            if k > 0 {
                s.push(',');
            }
            s.push('[');
            push_rings(s, part);
            s.push(']');
        }
        s.push_str("]}");
        return;
    }
    let Some(polygon) = super::polygon::valid_polygon(&ring) else {
        s.push_str("null");
        return;
    };
    s.push_str("{\"type\":\"Polygon\",\"coordinates\":[");
    push_rings(s, &polygon);
    s.push_str("]}");
}

/// A polygon's rings as GeoJSON arrays, exterior first.
fn push_rings(s: &mut String, polygon: &geo::Polygon) {
    let rings = std::iter::once(polygon.exterior()).chain(polygon.interiors());
    for (r, line) in rings.enumerate() {
        if r > 0 {
            s.push(',');
        }
        s.push('[');
        for (k, c) in line.coords().enumerate() {
            if k > 0 {
                s.push(',');
            }
            s.push('[');
            push_coordinate(s, c.x);
            s.push(',');
            push_coordinate(s, c.y);
            s.push(']');
        }
        s.push(']');
    }
}

/// Formats `n` features in parallel chunks and wraps them in a FeatureCollection.
pub(crate) fn collection(n: usize, feature: impl Fn(&mut String, usize) + Sync) -> String {
    let mut out = Vec::new();
    write_collection(&mut out, n, &feature).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("features are UTF-8")
}

/// Streams a FeatureCollection of `n` features to `w` (see [`write_rows_parallel`]).
pub(crate) fn write_collection(
    w: &mut (dyn std::io::Write + Send),
    n: usize,
    feature: &(dyn Fn(&mut String, usize) + Sync),
) -> std::io::Result<()> {
    w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    write_rows_parallel(w, n, &|s: &mut String, i: usize| {
        if i > 0 {
            s.push_str(",\n");
        }
        feature(s, i);
    })?;
    w.write_all(b"\n]}\n")
}

/// Rows per chunk of [`write_rows_parallel`].
const CHUNK: usize = 2048;
/// Chunks per wave of [`write_rows_parallel`].
const WAVE: usize = 8;

/// Streams `n` rows to `w`: waves of chunks are formatted in parallel and written in order,
/// so memory stays at two waves whatever the layer's size and the bytes never depend on the
/// thread count. While one wave is written (a copy into the page cache), the next is
/// formatted; the two waves' buffers are reused from wave to wave (no allocation, no fresh
/// pages to fault in). `row` appends row `i` with its own separators.
pub(crate) fn write_rows_parallel(
    w: &mut (dyn std::io::Write + Send),
    n: usize,
    row: &(dyn Fn(&mut String, usize) + Sync),
) -> std::io::Result<()> {
    let n_chunks = n.div_ceil(CHUNK);
    let (mut ready, mut next): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    format_wave(&mut ready, 0, n_chunks, n, row);
    for wave in (0..n_chunks).step_by(WAVE) {
        let following = wave + WAVE;
        let (written, ()) = rayon::join(
            || ready.iter().try_for_each(|s| w.write_all(s.as_bytes())),
            || format_wave(&mut next, following, n_chunks, n, row),
        );
        written?;
        std::mem::swap(&mut ready, &mut next);
    }
    Ok(())
}

/// Formats the chunks of the wave starting at chunk `first` into `bufs` (cleared, grown or
/// shrunk to the wave's chunk count, their capacity kept).
fn format_wave(
    bufs: &mut Vec<String>,
    first: usize,
    n_chunks: usize,
    n: usize,
    row: &(dyn Fn(&mut String, usize) + Sync),
) {
    bufs.resize_with(WAVE.min(n_chunks.saturating_sub(first)), String::new);
    bufs.par_iter_mut().enumerate().for_each(|(k, s)| {
        s.clear();
        s.reserve(CHUNK * 256);
        let c = first + k;
        for i in c * CHUNK..((c + 1) * CHUNK).min(n) {
            row(s, i);
        }
    });
}

/// `compounds.geojson`: every compound as a Point with `id`, `population`,
/// `nearest_center`, `distance_m`, `minutes`, `covered`, `centers_within` and its group
/// fields.
pub fn compounds_geojson(
    compounds: &Compounds,
    centres: &Centres,
    analysis: &Analysis,
    circle: &Circle,
) -> String {
    compounds_geojson_with(compounds, centres, analysis, circle, &|_, _| {})
}

/// [`compounds_geojson`] with more properties appended by `extra` (each starting with `,`).
pub fn compounds_geojson_with(
    compounds: &Compounds,
    centres: &Centres,
    analysis: &Analysis,
    circle: &Circle,
    extra: &(dyn Fn(&mut String, usize) + Sync),
) -> String {
    let mut out = Vec::new();
    write_compounds_geojson(&mut out, compounds, centres, analysis, circle, extra)
        .expect("writing to memory cannot fail");
    String::from_utf8(out).expect("features are UTF-8")
}

/// Streams [`compounds_geojson_with`] to `w` without holding the layer in memory.
pub fn write_compounds_geojson(
    w: &mut (dyn std::io::Write + Send),
    compounds: &Compounds,
    centres: &Centres,
    analysis: &Analysis,
    circle: &Circle,
    extra: &(dyn Fn(&mut String, usize) + Sync),
) -> std::io::Result<()> {
    let cov = &analysis.coverage;
    let group_names =
        super::group_column_names(&compounds.group_fields, &super::compound_columns());
    write_collection(w, compounds.len(), &|s: &mut String, i: usize| {
        s.push_str("{\"type\":\"Feature\",\"properties\":{\"id\":");
        push_json_str(s, &compounds.ids[i]);
        s.push_str(",\"population\":");
        push_f64(s, compounds.population[i]);
        s.push_str(",\"nearest_center\":");
        match cov.nearest[i] {
            Some(c) => push_json_str(s, &centres.ids[c as usize]),
            None => s.push_str("null"),
        }
        s.push_str(",\"distance_m\":");
        push_rounded(s, cov.nearest_cost_m[i], 2);
        s.push_str(",\"minutes\":");
        push_rounded(s, circle.minutes_for(cov.nearest_cost_m[i]), 2);
        s.push_str(",\"covered\":");
        s.push_str(if cov.is_covered(i) { "true" } else { "false" });
        s.push_str(",\"centers_within\":");
        s.push_str(itoa::Buffer::new().format(cov.sites_within(i)));
        s.push_str(",\"reachable\":");
        s.push_str(if cov.nearest[i].is_some() {
            "true"
        } else {
            "false"
        });
        s.push_str(",\"serving_center\":");
        match cov.serving[i] {
            Some(c) => push_json_str(s, &centres.ids[c as usize]),
            None => s.push_str("null"),
        }
        s.push_str(",\"serving_distance_m\":");
        if cov.serving[i].is_some() {
            push_rounded(s, cov.serving_cost_m[i], 2);
        } else {
            s.push_str("null");
        }
        for (g, name) in group_names.iter().enumerate() {
            s.push(',');
            push_json_str(s, name);
            s.push(':');
            push_json_str(s, &compounds.groups[g][i]);
        }
        extra(s, i);
        s.push_str("},\"geometry\":");
        push_point(s, analysis.study.output_lonlat(compounds.lonlat[i]));
        s.push('}');
    })
}

/// `centers.geojson`: every centre with `id`, `level`, `name`, `radius_m`,
/// `served_population`, `served_compounds`, `nearest_population` and, where capacity is
/// given, `capacity` and `population_per_capacity`.
pub fn centres_geojson(centres: &Centres, analysis: &Analysis) -> String {
    centres_geojson_with(centres, analysis, &|_, _| {})
}

/// [`centres_geojson`] with more properties appended by `extra` (each starting with `,`).
pub fn centres_geojson_with(
    centres: &Centres,
    analysis: &Analysis,
    extra: &(dyn Fn(&mut String, usize) + Sync),
) -> String {
    let mut out = Vec::new();
    write_centres_geojson(&mut out, centres, analysis, extra)
        .expect("writing to memory cannot fail");
    String::from_utf8(out).expect("features are UTF-8")
}

/// Streams [`centres_geojson_with`] to `w` without holding the layer in memory.
pub(crate) fn write_centres_geojson(
    w: &mut (dyn std::io::Write + Send),
    centres: &Centres,
    analysis: &Analysis,
    extra: &(dyn Fn(&mut String, usize) + Sync),
) -> std::io::Result<()> {
    write_collection(w, centres.len(), &|s: &mut String, i: usize| {
        push_centre(s, centres, analysis, i);
        extra(s, i);
        s.push_str("},\"geometry\":");
        push_point(s, analysis.study.output_lonlat(centres.lonlat[i]));
        s.push('}');
    })
}

/// Centre `i`'s feature in `centers.geojson` up to its last common property.
fn push_centre(s: &mut String, centres: &Centres, analysis: &Analysis, i: usize) {
    let load = &analysis.loads[i];
    s.push_str("{\"type\":\"Feature\",\"properties\":{\"id\":");
    push_json_str(s, &centres.ids[i]);
    s.push_str(",\"level\":");
    push_json_str(s, &centres.level[i]);
    s.push_str(",\"name\":");
    push_json_str(s, &centres.name[i]);
    // With --boundaries: the area the centre lies in, under one fixed key whatever the
    // areas' field is called (it may be `name`).
    if let Some((_, area)) = centres.area(i) {
        s.push_str(",\"area\":");
        push_json_str(s, area);
    }
    s.push_str(",\"radius_m\":");
    push_f64(s, analysis.radius_m(i));
    s.push_str(",\"served_population\":");
    push_rounded(s, load.served_population, 3);
    s.push_str(",\"served_compounds\":");
    s.push_str(itoa::Buffer::new().format(load.served_compounds));
    s.push_str(",\"nearest_population\":");
    push_rounded(s, load.nearest_population, 3);
    s.push_str(",\"capacity\":");
    match centres.capacity[i] {
        Some(c) => {
            push_f64(s, c);
            s.push_str(",\"population_per_capacity\":");
            if c > 0.0 {
                push_rounded(s, load.served_population / c, 4);
            } else {
                s.push_str("null");
            }
        }
        None => s.push_str("null,\"population_per_capacity\":null"),
    }
}

/// The start of centre `i`'s feature in `circles.geojson`, up to its `radius_m` (its budget,
/// metres): id, level and radius, the properties both kinds of circle share.
fn push_circle_head(s: &mut String, centres: &Centres, i: usize, radius_m: f64) {
    s.push_str("{\"type\":\"Feature\",\"properties\":{\"id\":");
    push_json_str(s, &centres.ids[i]);
    s.push_str(",\"level\":");
    push_json_str(s, &centres.level[i]);
    s.push_str(",\"radius_m\":");
    push_f64(s, radius_m);
}

/// Vertices per circle outline: smooth at district scale, small files at city scale.
const CIRCLE_VERTICES: usize = 64;

/// `circles.geojson`: each centre's service circle as a Polygon (for display; counting uses
/// distances, never these polygons). Drawn on the study plane and unprojected, so they are
/// true circles on the ground.
pub fn circles_geojson(centres: &Centres, analysis: &Analysis) -> String {
    collection(centres.len(), |s, i| {
        let [cx, cy] = analysis.centres_xy[i];
        let r = analysis.radius_m(i);
        push_circle_head(s, centres, i, r);
        s.push_str("},\"geometry\":");
        // Counter-clockwise exterior ring, as RFC 7946 asks.
        let ring = (0..=CIRCLE_VERTICES).map(|k| {
            let a = std::f64::consts::TAU * (k % CIRCLE_VERTICES) as f64 / CIRCLE_VERTICES as f64;
            [cx + r * a.cos(), cy + r * a.sin()]
        });
        push_polygon(s, &analysis.study, ring);
        s.push('}');
    })
}

/// `circles.geojson` for the network metric: each centre's service area as the outline of
/// the street pieces walkable within its budget (display only; counting uses the computed
/// costs). Centres beyond the snap limit get a null geometry.
pub fn service_areas_geojson(
    centres: &Centres,
    analysis: &Analysis,
    network: &crate::network::StreetNetwork,
    snap_limit_m: f64,
) -> String {
    collection(centres.len(), |s, i| {
        let budget = analysis.radius_m(i);
        let ring = network
            .snap_one(analysis.centres_xy[i], snap_limit_m)
            .map(|snap| {
                let pieces = network.service_area_segments(&snap, budget);
                let street_m: f64 = pieces
                    .iter()
                    .map(|[a, b]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt())
                    .sum();
                (
                    crate::network::service_area_outline(&pieces, 25.0),
                    street_m,
                )
            });
        push_circle_head(s, centres, i, budget);
        s.push_str(",\"kind\":\"service_area\",\"street_km\":");
        match &ring {
            Some((_, m)) => push_rounded(s, m / 1000.0, 3),
            None => s.push_str("null"),
        }
        s.push_str("},\"geometry\":");
        match ring {
            Some((ring, _)) if ring.len() >= 4 => {
                push_polygon(s, &analysis.study, ring.iter().copied());
            }
            _ => s.push_str("null"),
        }
        s.push('}');
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_short_and_null_when_infinite() {
        let mut s = String::new();
        push_f64(&mut s, 3.0);
        s.push(' ');
        push_f64(&mut s, 0.1);
        s.push(' ');
        push_rounded(&mut s, 1.23456, 2);
        s.push(' ');
        push_f64(&mut s, f64::INFINITY);
        assert_eq!(s, "3 0.1 1.23 null");
    }

    /// Several waves (the last one partial), formatted on one thread and on three: the same
    /// bytes as formatting every row in order.
    #[test]
    fn rows_stream_in_order_whatever_the_threads() {
        let n = CHUNK * WAVE * 2 + CHUNK + 123;
        let row = |s: &mut String, i: usize| {
            s.push_str(itoa::Buffer::new().format(i));
            s.push_str(if i.is_multiple_of(7) {
                ",seven\n"
            } else {
                "\n"
            });
        };
        let mut expected = String::new();
        (0..n).for_each(|i| row(&mut expected, i));
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut out = Vec::new();
            pool.install(|| write_rows_parallel(&mut out, n, &row))
                .unwrap();
            assert!(out == expected.as_bytes(), "{threads} threads");
        }
        let mut empty = Vec::new();
        write_rows_parallel(&mut empty, 0, &row).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn collection_is_valid_json() {
        let text = collection(3, |s, i| {
            s.push_str("{\"type\":\"Feature\",\"properties\":{\"i\":");
            push_f64(s, i as f64);
            s.push_str("},\"geometry\":null}");
        });
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["features"].as_array().unwrap().len(), 3);
        let empty: serde_json::Value = serde_json::from_str(&collection(0, |_, _| {})).unwrap();
        assert_eq!(empty["features"].as_array().unwrap().len(), 0);
    }
}
