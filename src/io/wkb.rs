//! Well-known binary geometry, the body of a GeoPackage geometry blob: read into `geo` types
//! (2D; Z and M dropped) and written from GeoJSON geometries.

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use serde_json::Value;

/// Deepest nesting of geometry collections read (a hostile blob must not recurse forever).
const MAX_DEPTH: usize = 8;

/// A cursor over WKB bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or("the geometry blob ends early")?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u32(&mut self, little: bool) -> Result<u32, String> {
        let b: [u8; 4] = self.take(4)?.try_into().expect("4 bytes");
        Ok(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self, little: bool) -> Result<f64, String> {
        let b: [u8; 8] = self.take(8)?.try_into().expect("8 bytes");
        Ok(if little {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    /// A count that the remaining bytes can hold (`min_bytes` each).
    fn count(&mut self, little: bool, min_bytes: usize) -> Result<usize, String> {
        let n = self.u32(little)? as usize;
        if n.saturating_mul(min_bytes) > self.bytes.len() - self.at {
            return Err(format!(
                "the geometry blob declares {n} parts it does not hold"
            ));
        }
        Ok(n)
    }
}

/// Reads one WKB geometry (ISO or extended Z/M flags; the extra ordinates are skipped).
pub(crate) fn read_wkb(bytes: &[u8]) -> Result<Geometry, String> {
    let mut r = Reader { bytes, at: 0 };
    read_geometry(&mut r, 0)
}

fn read_geometry(r: &mut Reader, depth: usize) -> Result<Geometry, String> {
    if depth > MAX_DEPTH {
        return Err("geometry collections nested too deep".into());
    }
    let little = match r.take(1)?[0] {
        0 => false,
        1 => true,
        b => return Err(format!("byte order {b} is neither 0 nor 1: not WKB")),
    };
    let code = r.u32(little)?;
    let extra = (code & 0x8000_0000 != 0) as usize + (code & 0x4000_0000 != 0) as usize;
    let iso = code & 0x0FFF_FFFF;
    let dims = 2
        + extra
        + [0, 1, 1, 2]
            .get((iso / 1000) as usize)
            .copied()
            .unwrap_or(0);
    let kind = iso % 1000;
    let coord = |r: &mut Reader| -> Result<Coord, String> {
        let (x, y) = (r.f64(little)?, r.f64(little)?);
        for _ in 2..dims {
            r.f64(little)?;
        }
        Ok(Coord { x, y })
    };
    let line = |r: &mut Reader| -> Result<LineString, String> {
        let n = r.count(little, 16)?;
        (0..n)
            .map(|_| coord(r))
            .collect::<Result<Vec<_>, _>>()
            .map(LineString)
    };
    let polygon = |r: &mut Reader| -> Result<Polygon, String> {
        let n = r.count(little, 4)?;
        let mut rings = (0..n)
            .map(|_| line(r))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter();
        let outer = rings.next().unwrap_or_else(|| LineString(Vec::new()));
        Ok(Polygon::new(outer, rings.collect()))
    };
    Ok(match kind {
        1 => Geometry::Point(Point(coord(r)?)),
        2 => Geometry::LineString(line(r)?),
        3 => Geometry::Polygon(polygon(r)?),
        4..=7 => {
            let n = r.count(little, 5)?;
            let parts = (0..n)
                .map(|_| read_geometry(r, depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            collect(kind, parts)?
        }
        other => {
            return Err(format!(
                "WKB geometry type {other} is not one circleplan reads"
            ));
        }
    })
}

/// A multi-geometry of `kind` (4–7) from its parts.
fn collect(kind: u32, parts: Vec<Geometry>) -> Result<Geometry, String> {
    let wrong = || format!("a multi-geometry of type {kind} holds a part of another type");
    Ok(match kind {
        4 => Geometry::MultiPoint(MultiPoint(
            parts
                .into_iter()
                .map(|g| Point::try_from(g).map_err(|_| wrong()))
                .collect::<Result<_, _>>()?,
        )),
        5 => Geometry::MultiLineString(MultiLineString(
            (parts.into_iter())
                .map(|g| LineString::try_from(g).map_err(|_| wrong()))
                .collect::<Result<_, _>>()?,
        )),
        6 => Geometry::MultiPolygon(MultiPolygon(
            (parts.into_iter())
                .map(|g| Polygon::try_from(g).map_err(|_| wrong()))
                .collect::<Result<_, _>>()?,
        )),
        _ => Geometry::GeometryCollection(geo::GeometryCollection(parts)),
    })
}

/// Writes a GeoJSON geometry object as little-endian 2D WKB, extending `bbox`
/// (`[min_x, min_y, max_x, max_y]`); `None` for a geometry it cannot write.
pub(crate) fn write_wkb(geometry: &Value, out: &mut Vec<u8>, bbox: &mut [f64; 4]) -> Option<()> {
    let kind = geometry.get("type")?.as_str()?;
    if kind == "GeometryCollection" {
        let parts = geometry.get("geometries")?.as_array()?;
        header(out, 7);
        out.extend((parts.len() as u32).to_le_bytes());
        return parts.iter().try_for_each(|g| write_wkb(g, out, bbox));
    }
    let c = geometry.get("coordinates")?;
    let code = geometry_code(kind)?;
    header(out, code);
    match code {
        1 => position(c, out, bbox),
        2 => positions(c, out, bbox),
        3 => rings(c, out, bbox),
        _ => {
            let parts = c.as_array()?;
            out.extend((parts.len() as u32).to_le_bytes());
            parts.iter().try_for_each(|part| {
                header(out, code - 3);
                match code {
                    4 => position(part, out, bbox),
                    5 => positions(part, out, bbox),
                    _ => rings(part, out, bbox),
                }
            })
        }
    }
}

/// The WKB code of a GeoJSON geometry type.
pub(crate) fn geometry_code(kind: &str) -> Option<u32> {
    Some(match kind {
        "Point" => 1,
        "LineString" => 2,
        "Polygon" => 3,
        "MultiPoint" => 4,
        "MultiLineString" => 5,
        "MultiPolygon" => 6,
        "GeometryCollection" => 7,
        _ => return None,
    })
}

fn header(out: &mut Vec<u8>, code: u32) {
    out.push(1);
    out.extend(code.to_le_bytes());
}

fn position(c: &Value, out: &mut Vec<u8>, bbox: &mut [f64; 4]) -> Option<()> {
    let c = c.as_array()?;
    let (x, y) = (c.first()?.as_f64()?, c.get(1)?.as_f64()?);
    out.extend(x.to_le_bytes());
    out.extend(y.to_le_bytes());
    *bbox = [
        bbox[0].min(x),
        bbox[1].min(y),
        bbox[2].max(x),
        bbox[3].max(y),
    ];
    Some(())
}

fn positions(c: &Value, out: &mut Vec<u8>, bbox: &mut [f64; 4]) -> Option<()> {
    let c = c.as_array()?;
    out.extend((c.len() as u32).to_le_bytes());
    c.iter().try_for_each(|p| position(p, out, bbox))
}

fn rings(c: &Value, out: &mut Vec<u8>, bbox: &mut [f64; 4]) -> Option<()> {
    let c = c.as_array()?;
    out.extend((c.len() as u32).to_le_bytes());
    c.iter().try_for_each(|ring| positions(ring, out, bbox))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_geometries_read_back() {
        let cases = [
            r#"{"type":"Point","coordinates":[117.1,31.8]}"#,
            r#"{"type":"LineString","coordinates":[[1,2],[3,4]]}"#,
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]],[[0.1,0.1],[0.2,0.1],[0.2,0.2],[0.1,0.1]]]}"#,
            r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}"#,
            r#"{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}"#,
            r#"{"type":"MultiLineString","coordinates":[[[1,2],[3,4]],[[5,6],[7,8]]]}"#,
        ];
        for text in cases {
            let value: Value = serde_json::from_str(text).unwrap();
            let mut out = Vec::new();
            let mut bbox = [
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ];
            write_wkb(&value, &mut out, &mut bbox).unwrap();
            let g = read_wkb(&out).unwrap();
            let back = serde_json::to_value(geojson_of(&g)).unwrap();
            assert_eq!(back, floats(&value["coordinates"]), "{text}");
        }
        assert!(read_wkb(&[1, 1, 0, 0]).is_err());
        assert!(read_wkb(&[1, 4, 0, 0, 0, 255, 255, 255, 255]).is_err());
    }

    /// `v` with every number as a float.
    fn floats(v: &Value) -> Value {
        match v {
            Value::Array(a) => Value::from(a.iter().map(floats).collect::<Vec<_>>()),
            Value::Number(n) => Value::from(n.as_f64().unwrap()),
            other => other.clone(),
        }
    }

    /// The coordinates of a geometry as nested arrays, as GeoJSON writes them.
    fn geojson_of(g: &Geometry) -> Value {
        let line =
            |l: &LineString| Value::from(l.0.iter().map(|c| vec![c.x, c.y]).collect::<Vec<_>>());
        let poly = |p: &Polygon| {
            Value::from(
                std::iter::once(p.exterior())
                    .chain(p.interiors())
                    .map(line)
                    .collect::<Vec<_>>(),
            )
        };
        match g {
            Geometry::Point(p) => Value::from(vec![p.x(), p.y()]),
            Geometry::LineString(l) => line(l),
            Geometry::Polygon(p) => poly(p),
            Geometry::MultiPoint(m) => {
                Value::from(m.0.iter().map(|p| vec![p.x(), p.y()]).collect::<Vec<_>>())
            }
            Geometry::MultiLineString(m) => Value::from(m.0.iter().map(line).collect::<Vec<_>>()),
            Geometry::MultiPolygon(m) => Value::from(m.0.iter().map(poly).collect::<Vec<_>>()),
            _ => Value::Null,
        }
    }
}
