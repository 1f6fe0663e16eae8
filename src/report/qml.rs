//! QGIS layer styles (`NAME.qml` beside `NAME.geojson`, or rows of a GeoPackage's
//! `layer_styles`), so that a layer dropped into QGIS is drawn as the report draws it.

use std::fmt::Write as _;

use super::Lang;
use super::html::{BY_NEW_SITE, COVERED, LEVEL_COLOURS, SITE, UNCOVERED, level_styles};
use super::lifecircle_html::{CLASS_RANGES, COMPLETENESS, COMPLETENESS_BOUNDS};
use crate::io::OutputSet;

/// What a run's compound layer is coloured by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompoundStyle {
    /// `covered`: green inside a centre's circle, orange outside (coverage, gaps, site,
    /// compare).
    Covered,
    /// `completeness`: the life circle's share of facility types within reach, in classes.
    Completeness,
}

/// What the styles need to know about a run beyond its layer names.
#[derive(Debug, Clone)]
pub struct StyleContext {
    /// How `compounds.geojson` is coloured.
    pub compounds: CompoundStyle,
    /// Every centre's level (one entry per centre; repeats are fine): the categories of
    /// `centers.geojson`, in the report's colours.
    pub levels: Vec<String>,
    /// The facility types as (`type` value, legend label): the categories of
    /// `facilities.geojson`.
    pub facility_types: Vec<(String, String)>,
    /// The language of the legend labels.
    pub lang: Lang,
}

impl StyleContext {
    /// The styles of a coverage, gaps, site or compare run on `centres`: compounds by
    /// `covered`, centres by level.
    pub fn coverage(centres: &crate::model::Centres, lang: Lang) -> Self {
        Self {
            compounds: CompoundStyle::Covered,
            levels: centres.level.clone(),
            facility_types: Vec::new(),
            lang,
        }
    }

    /// The styles of a life-circle run: compounds by `completeness`, facilities by type
    /// (labelled with the type's name in `lang`).
    pub fn lifecircle(result: &crate::lifecircle::LifeCircle, lang: Lang) -> Self {
        let facility_types = (result.profile.types.iter())
            .map(|t| {
                (
                    t.type_id.clone(),
                    super::readable_name(t, lang).into_owned(),
                )
            })
            .collect();
        Self {
            compounds: CompoundStyle::Completeness,
            levels: Vec::new(),
            facility_types,
            lang,
        }
    }
}

/// Adds `NAME.qml` for every `NAME.geojson` of `files` that has a style.
pub fn add_styles(files: &mut OutputSet, context: &StyleContext) {
    let layers: Vec<String> = (files.names())
        .filter_map(|n| n.strip_suffix(".geojson").map(str::to_string))
        .collect();
    for layer in layers {
        if let Some(qml) = layer_style(&layer, context) {
            files.add(&format!("{layer}.qml"), qml.into_bytes());
        }
    }
}

/// The style of the layer named `layer` (`compounds`, `centers`, …), or `None` for a layer
/// without one.
pub fn layer_style(layer: &str, context: &StyleContext) -> Option<String> {
    let zh = context.lang == Lang::Zh;
    let t = |en: &'static str, cn: &'static str| if zh { cn } else { en };
    let style = match layer {
        "compounds" => match context.compounds {
            CompoundStyle::Covered => covered_style(zh),
            CompoundStyle::Completeness => completeness_style(),
        },
        "gap_compounds" => single_style(Geometry::Point, &marker(UNCOVERED, 1.8)),
        "centers" => centres_style(&context.levels),
        "circles" => single_style(Geometry::Polygon, &area("#1c7ed6", "#1864ab", 0.15, false)),
        "gaps" => single_style(Geometry::Polygon, &area(UNCOVERED, "#d9480f", 0.08, true)),
        "sites" => Style {
            labels: Some(Labels {
                field: "rank",
                colour: "#ffffff",
            }),
            ..single_style(Geometry::Point, &marker(SITE, 4.2))
        },
        "scenario_sites" => categorized_style(
            Geometry::Point,
            "action",
            &[
                ("added", t("added", "新增"), marker(BY_NEW_SITE, 3.2)),
                ("closed", t("closed", "关闭"), marker("#868e96", 3.2)),
            ],
        ),
        "facilities" => facilities_style(&context.facility_types),
        _ => return None,
    };
    Some(style.to_qml())
}

/// Compounds by `covered`.
fn covered_style(zh: bool) -> Style {
    let (yes, no) = if zh {
        ("已覆盖", "未覆盖")
    } else {
        ("covered", "not covered")
    };
    categorized_style(
        Geometry::Point,
        "covered",
        &[
            ("true", yes, marker(COVERED, 1.8)),
            ("false", no, marker(UNCOVERED, 2.0)),
        ],
    )
}

/// Life-circle compounds by `completeness` (0–1), in the report's ranged classes (0–25 %,
/// 25–50 %, 50–75 %, 75–99 %, 100 %).
fn completeness_style() -> Style {
    let n = COMPLETENESS.len();
    // QGIS puts a value on a boundary in the lower class (`lower < v <= upper`); the report
    // puts it in the upper one (3 of 4 types is 0.75, a boundary), so each inner boundary
    // sits just below the report's.
    let boundary = |k: usize| (COMPLETENESS_BOUNDS[k] - 1e-9).clamp(0.0, 1.0);
    let ranges: Vec<(f64, f64, String, Symbol)> = (0..n)
        .map(|k| {
            let lower = if k == 0 { 0.0 } else { boundary(k - 1) };
            let upper = if k + 1 == n { 1.0 } else { boundary(k) };
            let label = CLASS_RANGES[k].to_string();
            (lower, upper, label, marker(COMPLETENESS[k], 1.8))
        })
        .collect();
    graduated_style(Geometry::Point, "completeness", &ranges)
}

/// Centres by `level`, in hierarchy order with the report's colours and sizes.
fn centres_style(levels: &[String]) -> Style {
    let categories: Vec<(String, String, Symbol)> = level_styles(levels)
        .into_iter()
        .map(|(level, colour, size_px)| {
            // The report's mark sizes (px on an 800 px map) at a quarter millimetre each.
            let size_mm = (size_px * 0.25).clamp(1.2, 3.5);
            let symbol = Symbol {
                shape: Shape::Marker {
                    shape: "square",
                    size_mm,
                },
                ..marker(colour, size_mm)
            };
            (level.clone(), level, symbol)
        })
        .collect();
    categorized_owned(Geometry::Point, "level", &categories)
}

/// Facilities by `type`, one colour per type in the profile's order.
fn facilities_style(types: &[(String, String)]) -> Style {
    let categories: Vec<(String, String, Symbol)> = types
        .iter()
        .enumerate()
        .map(|(k, (value, label))| {
            let colour = LEVEL_COLOURS[k % LEVEL_COLOURS.len()];
            (value.clone(), label.clone(), marker(colour, 1.6))
        })
        .collect();
    categorized_owned(Geometry::Point, "type", &categories)
}

// ---- the style model -------------------------------------------------------------------

/// The geometry kind QGIS expects the style for (`layerGeometryType`).
#[derive(Debug, Clone, Copy)]
enum Geometry {
    Point,
    Polygon,
}

/// How a symbol is drawn.
#[derive(Debug, Clone)]
enum Shape {
    /// A simple marker (`circle`, `square`) of this size.
    Marker { shape: &'static str, size_mm: f64 },
    /// A simple fill with this fill opacity and a solid or dashed outline.
    Fill { opacity: f64, dashed: bool },
}

/// One symbol: its shape, fill and outline colours (`#rrggbb`).
#[derive(Debug, Clone)]
struct Symbol {
    shape: Shape,
    fill: &'static str,
    outline: &'static str,
}

fn marker(fill: &'static str, size_mm: f64) -> Symbol {
    Symbol {
        shape: Shape::Marker {
            shape: "circle",
            size_mm,
        },
        fill,
        outline: "#ffffff",
    }
}

fn area(fill: &'static str, outline: &'static str, opacity: f64, dashed: bool) -> Symbol {
    Symbol {
        shape: Shape::Fill { opacity, dashed },
        fill,
        outline,
    }
}

/// A label drawn over each feature (the sites' rank, white on the red mark).
#[derive(Debug, Clone)]
struct Labels {
    field: &'static str,
    colour: &'static str,
}

/// A layer style: the renderer element and, optionally, labels.
#[derive(Debug, Clone)]
struct Style {
    geometry: Geometry,
    renderer: String,
    labels: Option<Labels>,
}

impl Style {
    /// The `.qml` document.
    fn to_qml(&self) -> String {
        let mut s = String::from("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n");
        let labelled = u8::from(self.labels.is_some());
        let _ = writeln!(
            s,
            "<qgis version=\"3.28.0\" styleCategories=\"Symbology|Labeling\" \
             labelsEnabled=\"{labelled}\">"
        );
        s.push_str(&self.renderer);
        if let Some(labels) = &self.labels {
            push_labels(&mut s, labels);
        }
        let geometry = match self.geometry {
            Geometry::Point => 0,
            Geometry::Polygon => 2,
        };
        let _ = writeln!(s, "  <layerGeometryType>{geometry}</layerGeometryType>");
        s.push_str("</qgis>\n");
        s
    }
}

// ---- renderers: one function per kind ------------------------------------------------------

/// A single-symbol renderer.
fn single_style(geometry: Geometry, symbol: &Symbol) -> Style {
    let mut r = String::from(
        "  <renderer-v2 type=\"singleSymbol\" forceraster=\"0\" symbollevels=\"0\" \
         enableorderby=\"0\" referencescale=\"-1\">\n    <symbols>\n",
    );
    push_symbol(&mut r, "0", symbol);
    r.push_str("    </symbols>\n  </renderer-v2>\n");
    Style {
        geometry,
        renderer: r,
        labels: None,
    }
}

/// A categorized renderer on `attr`: (value, label, symbol) per category.
fn categorized_style(geometry: Geometry, attr: &str, categories: &[(&str, &str, Symbol)]) -> Style {
    let owned: Vec<(String, String, Symbol)> = categories
        .iter()
        .map(|(v, l, s)| (v.to_string(), l.to_string(), s.clone()))
        .collect();
    categorized_owned(geometry, attr, &owned)
}

fn categorized_owned(
    geometry: Geometry,
    attr: &str,
    categories: &[(String, String, Symbol)],
) -> Style {
    let mut r = format!(
        "  <renderer-v2 type=\"categorizedSymbol\" attr=\"{}\" forceraster=\"0\" \
         symbollevels=\"0\" enableorderby=\"0\" referencescale=\"-1\">\n    <categories>\n",
        esc(attr)
    );
    for (k, (value, label, _)) in categories.iter().enumerate() {
        let _ = writeln!(
            r,
            "      <category symbol=\"{k}\" value=\"{}\" label=\"{}\" render=\"true\"/>",
            esc(value),
            esc(label)
        );
    }
    r.push_str("    </categories>\n    <symbols>\n");
    for (k, (_, _, symbol)) in categories.iter().enumerate() {
        push_symbol(&mut r, &k.to_string(), symbol);
    }
    r.push_str("    </symbols>\n  </renderer-v2>\n");
    Style {
        geometry,
        renderer: r,
        labels: None,
    }
}

/// A graduated (colour) renderer on `attr`: (lower, upper, label, symbol) per class.
fn graduated_style(geometry: Geometry, attr: &str, ranges: &[(f64, f64, String, Symbol)]) -> Style {
    let mut r = format!(
        "  <renderer-v2 type=\"graduatedSymbol\" attr=\"{}\" graduatedMethod=\"GraduatedColor\" \
         forceraster=\"0\" symbollevels=\"0\" enableorderby=\"0\" referencescale=\"-1\">\n    \
         <ranges>\n",
        esc(attr)
    );
    for (k, (lower, upper, label, _)) in ranges.iter().enumerate() {
        let _ = writeln!(
            r,
            "      <range symbol=\"{k}\" lower=\"{lower:.9}\" upper=\"{upper:.9}\" label=\"{}\" \
             render=\"true\"/>",
            esc(label)
        );
    }
    r.push_str("    </ranges>\n    <symbols>\n");
    for (k, (_, _, _, symbol)) in ranges.iter().enumerate() {
        push_symbol(&mut r, &k.to_string(), symbol);
    }
    r.push_str("    </symbols>\n    <mode name=\"manual\"/>\n  </renderer-v2>\n");
    Style {
        geometry,
        renderer: r,
        labels: None,
    }
}

// ---- symbols and labels -------------------------------------------------------------------

/// Appends a `<symbol>` with one simple marker or simple fill layer.
fn push_symbol(s: &mut String, name: &str, symbol: &Symbol) {
    let (kind, class) = match symbol.shape {
        Shape::Marker { .. } => ("marker", "SimpleMarker"),
        Shape::Fill { .. } => ("fill", "SimpleFill"),
    };
    let _ = writeln!(
        s,
        "      <symbol type=\"{kind}\" name=\"{}\" alpha=\"1\" clip_to_extent=\"1\" \
         force_rhr=\"0\">\n        <layer class=\"{class}\" enabled=\"1\" locked=\"0\" \
         pass=\"0\">\n          <Option type=\"Map\">",
        esc(name)
    );
    let mut option = |key: &str, value: &str| {
        let _ = writeln!(
            s,
            "            <Option type=\"QString\" name=\"{key}\" value=\"{}\"/>",
            esc(value)
        );
    };
    match symbol.shape {
        Shape::Marker { shape, size_mm } => {
            option("name", shape);
            option("color", &rgba(symbol.fill, 1.0));
            option("outline_color", &rgba(symbol.outline, 1.0));
            option("outline_style", "solid");
            option("outline_width", "0.2");
            option("outline_width_unit", "MM");
            option("size", &format!("{size_mm:.1}"));
            option("size_unit", "MM");
        }
        Shape::Fill { opacity, dashed } => {
            option("style", "solid");
            option("color", &rgba(symbol.fill, opacity));
            option("outline_color", &rgba(symbol.outline, 1.0));
            option("outline_style", if dashed { "dash" } else { "solid" });
            option("outline_width", "0.4");
            option("outline_width_unit", "MM");
        }
    }
    s.push_str("          </Option>\n        </layer>\n      </symbol>\n");
}

/// Appends simple labels: `field` over each point, bold, in `colour`.
fn push_labels(s: &mut String, labels: &Labels) {
    let _ = writeln!(
        s,
        "  <labeling type=\"simple\">\n    <settings calloutType=\"simple\">\n      \
         <text-style fieldName=\"{}\" isExpression=\"0\" fontSize=\"8\" fontSizeUnit=\"Point\" \
         fontWeight=\"75\" textColor=\"{}\" textOpacity=\"1\"/>\n      <placement \
         placement=\"1\" offsetType=\"0\" xOffset=\"0\" yOffset=\"0\" quadOffset=\"4\"/>\n      \
         <rendering obstacle=\"0\" drawLabels=\"1\"/>\n    </settings>\n  </labeling>",
        esc(labels.field),
        rgba(labels.colour, 1.0)
    );
}

/// `#rrggbb` and an opacity as QGIS's `r,g,b,a`.
fn rgba(hex: &str, opacity: f64) -> String {
    let channel = |k: usize| {
        hex.get(1 + 2 * k..3 + 2 * k)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0)
    };
    let alpha = (opacity.clamp(0.0, 1.0) * 255.0).round() as u8;
    format!("{},{},{},{alpha}", channel(0), channel(1), channel(2))
}

/// Escapes text for an XML attribute value.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Tabs and newlines in an attribute would be normalised to spaces by a reader.
            '\t' | '\n' | '\r' => {
                let _ = write!(out, "&#{};", c as u32);
            }
            // Other control characters are not allowed in XML 1.0 at all.
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> StyleContext {
        StyleContext {
            compounds: CompoundStyle::Covered,
            levels: vec!["社区".into(), "街道".into(), "a<&\"'b".into()],
            facility_types: vec![("kindergarten".into(), "幼儿园".into())],
            lang: Lang::Zh,
        }
    }

    #[test]
    fn colours_become_qgis_rgba() {
        assert_eq!(rgba("#2b8a3e", 1.0), "43,138,62,255");
        assert_eq!(rgba("#ffffff", 0.08), "255,255,255,20");
    }

    #[test]
    fn attribute_text_is_escaped() {
        assert_eq!(esc("a<&\"'b\n\u{1}"), "a&lt;&amp;&quot;&apos;b&#10;");
        let qml = layer_style("centers", &context()).unwrap();
        assert!(qml.contains("value=\"a&lt;&amp;&quot;&apos;b\""), "{qml}");
    }

    #[test]
    fn centres_are_listed_by_hierarchy_in_the_report_colours() {
        let qml = layer_style("centers", &context()).unwrap();
        let street = qml.find("value=\"街道\"").unwrap();
        let community = qml.find("value=\"社区\"").unwrap();
        assert!(street < community, "{qml}");
        assert!(qml.contains(&rgba(LEVEL_COLOURS[1], 1.0)), "{qml}");
    }

    #[test]
    fn completeness_classes_cover_zero_to_one_without_gaps() {
        let qml = completeness_style().to_qml();
        assert!(
            qml.contains("lower=\"0.000000000\" upper=\"0.249999999\""),
            "{qml}"
        );
        assert!(
            qml.contains("lower=\"0.999999999\" upper=\"1.000000000\""),
            "{qml}"
        );
        assert_eq!(qml.matches("<range ").count(), COMPLETENESS.len());
        assert!(qml.contains("label=\"25–50 %\""), "{qml}");
    }

    #[test]
    fn styles_only_layers_it_knows() {
        let mut files = OutputSet::new();
        files.add("compounds.geojson", b"{}".to_vec());
        files.add("streets.geojson", b"{}".to_vec());
        files.add("summary.json", b"{}".to_vec());
        add_styles(&mut files, &context());
        let names: Vec<&str> = files.names().collect();
        assert_eq!(
            names,
            [
                "compounds.geojson",
                "streets.geojson",
                "summary.json",
                "compounds.qml"
            ]
        );
        let qml = std::str::from_utf8(files.get("compounds.qml").unwrap()).unwrap();
        assert!(qml.contains("attr=\"covered\""), "{qml}");
        assert!(qml.contains("label=\"已覆盖\""), "{qml}");
    }

    #[test]
    fn every_styled_output_layer_has_its_style_listed_as_an_output() {
        let outputs = super::super::OUTPUT_FILES;
        for name in outputs {
            if let Some(layer) = name.strip_suffix(".geojson") {
                let listed = outputs.contains(&format!("{layer}.qml").as_str());
                assert_eq!(layer_style(layer, &context()).is_some(), listed, "{layer}");
            }
            if let Some(layer) = name.strip_suffix(".qml") {
                assert!(
                    outputs.contains(&format!("{layer}.geojson").as_str()),
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn sites_are_labelled_by_rank() {
        let qml = layer_style("sites", &context()).unwrap();
        assert!(qml.contains("labelsEnabled=\"1\""), "{qml}");
        assert!(qml.contains("fieldName=\"rank\""), "{qml}");
    }
}
