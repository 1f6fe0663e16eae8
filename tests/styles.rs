//! The QGIS styles a run writes: a `.qml` beside every layer, well-formed XML naming only
//! fields its layer has, and with `-o out.gpkg` the default rows of `layer_styles`.

mod common;

use std::path::Path;

use common::ok;

/// One element of an XML document: its name and attributes (values unescaped).
#[derive(Debug)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
}

/// The elements of `text`, or why it is not well-formed XML (a small checker: tags balance
/// under one root, names are names, attribute values are quoted, entities are known).
fn parse_xml(text: &str) -> Result<Vec<Element>, String> {
    let mut rest = text;
    let (mut stack, mut out, mut roots): (Vec<String>, Vec<Element>, usize) = (vec![], vec![], 0);
    while let Some(open) = rest.find('<') {
        check_text(&rest[..open])?;
        rest = &rest[open..];
        let close = rest.find('>').ok_or("unclosed tag")?;
        let tag = &rest[1..close];
        rest = &rest[close + 1..];
        if tag.starts_with('!') || (tag.starts_with('?') && tag.ends_with('?')) {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(open) if open == name.trim() => continue,
                other => return Err(format!("</{name}> closes {other:?}")),
            }
        }
        let empty = tag.ends_with('/');
        let element = parse_tag(tag.trim_end_matches('/'))?;
        if stack.is_empty() {
            roots += 1;
        }
        if !empty {
            stack.push(element.name.clone());
        }
        out.push(element);
    }
    check_text(rest)?;
    match (stack.is_empty(), roots) {
        (true, 1) => Ok(out),
        _ => Err(format!("unclosed {stack:?} or {roots} roots")),
    }
}

fn parse_tag(tag: &str) -> Result<Element, String> {
    let (name, mut rest) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
    check_name(name)?;
    let mut attrs = Vec::new();
    while !rest.trim().is_empty() {
        let (key, after) = rest
            .split_once('=')
            .ok_or(format!("bad attribute in <{tag}>"))?;
        check_name(key.trim())?;
        let after = after.trim_start();
        let quote = after.chars().next().filter(|q| *q == '"' || *q == '\'');
        let quote = quote.ok_or(format!("unquoted value in <{tag}>"))?;
        let end = after[1..].find(quote).ok_or("unclosed value")? + 1;
        let value = &after[1..end];
        if value.contains('<') {
            return Err(format!("< in an attribute value of <{tag}>"));
        }
        check_text(value)?;
        attrs.push((key.trim().to_string(), unescape(value)));
        rest = &after[end + 1..];
    }
    Ok(Element {
        name: name.to_string(),
        attrs,
    })
}

fn check_name(name: &str) -> Result<(), String> {
    let ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "_-.:".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!("bad name {name:?}"))
    }
}

/// Text (or an attribute value): every `&` starts a known entity, no control characters.
fn check_text(text: &str) -> Result<(), String> {
    if text.contains('>') && text.contains('<') {
        return Err(format!("markup in text {text:?}"));
    }
    if text
        .chars()
        .any(|c| (c as u32) < 0x20 && !"\t\n\r".contains(c))
    {
        return Err(format!("control character in {text:?}"));
    }
    for (i, _) in text.match_indices('&') {
        let entity = &text[i..text[i..].find(';').map_or(text.len(), |e| i + e + 1)];
        let known = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"].contains(&entity)
            || (entity.starts_with("&#") && entity[2..entity.len() - 1].parse::<u32>().is_ok());
        if !known {
            return Err(format!("bad entity {entity:?}"));
        }
    }
    Ok(())
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[test]
fn the_checker_refuses_what_is_not_xml() {
    assert!(parse_xml("<a x=\"1\"><b/></a>").is_ok());
    for bad in [
        "<a><b></a>",
        "<a x=1/>",
        "<a/><b/>",
        "<a>&nope;</a>",
        "<a x=\"<\"/>",
    ] {
        assert!(parse_xml(bad).is_err(), "{bad}");
    }
}

/// The property keys of a GeoJSON layer (every feature's).
fn layer_fields(path: &Path) -> Vec<String> {
    let layer: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let mut keys: Vec<String> = Vec::new();
    for f in layer["features"].as_array().unwrap() {
        for k in f["properties"].as_object().unwrap().keys() {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    keys
}

/// The fields a style names: the renderer's `attr`, the labels' `fieldName`.
fn styled_fields(elements: &[Element]) -> Vec<String> {
    let wanted = [("renderer-v2", "attr"), ("text-style", "fieldName")];
    elements
        .iter()
        .flat_map(|e| {
            e.attrs
                .iter()
                .filter(|(k, _)| wanted.contains(&(e.name.as_str(), k.as_str())))
        })
        .map(|(_, v)| v.clone())
        .collect()
}

/// Checks every `.geojson` of `dir` has a `.qml` beside it that parses and names only fields
/// of the layer; returns the styled layer names.
fn check_styles(dir: &Path) -> Vec<String> {
    let mut styled = Vec::new();
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in &names {
        let Some(layer) = name.strip_suffix(".geojson") else {
            continue;
        };
        let qml_path = dir.join(format!("{layer}.qml"));
        let qml = std::fs::read_to_string(&qml_path)
            .unwrap_or_else(|e| panic!("{}: {e}", qml_path.display()));
        let elements = parse_xml(&qml).unwrap_or_else(|e| panic!("{}: {e}", qml_path.display()));
        assert_eq!(elements[0].name, "qgis", "{}", qml_path.display());
        assert!(elements.iter().any(|e| e.name == "renderer-v2"));
        let fields = layer_fields(&dir.join(name));
        for field in styled_fields(&elements) {
            assert!(
                fields.contains(&field),
                "{} styles by {field:?}, not a field of the layer ({fields:?})",
                qml_path.display()
            );
        }
        styled.push(layer.to_string());
    }
    for name in &names {
        if let Some(layer) = name.strip_suffix(".qml") {
            assert!(styled.iter().any(|s| s == layer), "{name} has no layer");
        }
    }
    styled
}

#[test]
fn every_layer_of_the_demo_has_a_style_naming_its_fields() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["demo", "-o", "d"]);
    let d = dir.path().join("d");
    assert_eq!(
        check_styles(&d),
        [
            "centers",
            "circles",
            "compounds",
            "gap_compounds",
            "gaps",
            "scenario_sites",
            "sites"
        ]
    );
    assert_eq!(
        check_styles(&d.join("lifecircle")),
        ["compounds", "facilities"]
    );
    let compounds = std::fs::read_to_string(d.join("lifecircle/compounds.qml")).unwrap();
    assert!(compounds.contains("attr=\"completeness\""), "{compounds}");
    let centres = std::fs::read_to_string(d.join("centers.qml")).unwrap();
    assert!(centres.contains("value=\"street\""), "{centres}");
    // The inputs are the user's, not styled.
    assert!(!d.join("inputs/compounds.qml").exists());
}

#[test]
fn walking_and_life_circle_runs_style_their_layers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["demo", "-o", "d"]);
    let walk = [
        "coverage",
        "--compounds",
        "d/inputs/compounds.geojson",
        "--centers",
        "d/inputs/centers.geojson",
        "--network",
        "d/inputs/streets.geojson",
        "--circles",
        "-o",
        "walk",
    ];
    ok(d, &walk);
    assert_eq!(
        check_styles(&d.join("walk")),
        ["centers", "circles", "compounds"]
    );
    let life = [
        "lifecircle",
        "--compounds",
        "d/inputs/compounds.geojson",
        "--facilities",
        "d/inputs/facilities.geojson",
        "-o",
        "life",
    ];
    ok(d, &life);
    assert_eq!(check_styles(&d.join("life")), ["compounds", "facilities"]);
}

#[test]
fn a_geopackage_holds_each_layers_style_as_its_default() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["demo", "-o", "d"]);
    let gaps = [
        "gaps",
        "--compounds",
        "d/inputs/compounds.geojson",
        "--centers",
        "d/inputs/centers.geojson",
        "--candidates",
        "d/inputs/candidates.geojson",
        "-o",
        "out.gpkg",
    ];
    ok(d, &gaps);
    let db = rusqlite::Connection::open(d.join("out.gpkg")).unwrap();
    let list = |sql: &str| -> Vec<String> {
        let mut q = db.prepare(sql).unwrap();
        q.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let layers = list(
        "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name",
    );
    let styled = list(
        "SELECT f_table_name FROM layer_styles WHERE useAsDefault AND f_geometry_column = 'geom' \
         ORDER BY f_table_name",
    );
    assert_eq!(styled, layers);
    assert!(layers.contains(&"gaps".to_string()), "{layers:?}");
    let files = list("SELECT name FROM circleplan_files");
    assert!(!files.iter().any(|f| f.ends_with(".qml")), "{files:?}");
    for qml in list("SELECT styleQML FROM layer_styles") {
        parse_xml(&qml).unwrap();
    }
}
