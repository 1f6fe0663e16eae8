//! Helpers shared by the end-to-end suites: run the real binary in a directory, write input
//! files, read JSON outputs back, build small GeoJSON layers. Each suite uses a subset.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The repository root (for `data/`, fixtures and documents).
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The committed demo district (`data/demo`).
pub fn demo_data() -> PathBuf {
    repo().join("data/demo")
}

/// The circleplan binary built for this test run, its run date fixed at 2026-01-01
/// (`SOURCE_DATE_EPOCH`) so workbooks are byte-identical from day to day.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_circleplan"));
    c.env("SOURCE_DATE_EPOCH", "1767225600");
    c
}

/// Runs circleplan in `dir` with `args`; success is left to the caller.
pub fn run(dir: &Path, args: &[impl AsRef<OsStr>]) -> Output {
    bin()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("binary runs")
}

/// As [`run`], with `RAYON_NUM_THREADS` set to `threads`.
pub fn run_threads(dir: &Path, args: &[impl AsRef<OsStr>], threads: &str) -> Output {
    bin()
        .current_dir(dir)
        .env("RAYON_NUM_THREADS", threads)
        .args(args)
        .output()
        .expect("binary runs")
}

/// Runs and asserts success (naming the command and its stderr), returning the output.
pub fn succeed<S: AsRef<OsStr> + Debug>(dir: &Path, args: &[S]) -> Output {
    assert_succeeded(args, run(dir, args))
}

/// As [`succeed`], with `RAYON_NUM_THREADS` set to `threads`.
pub fn succeed_threads<S: AsRef<OsStr> + Debug>(dir: &Path, args: &[S], threads: &str) -> Output {
    assert_succeeded(args, run_threads(dir, args, threads))
}

fn assert_succeeded(args: &[impl Debug], out: Output) -> Output {
    assert!(
        out.status.success(),
        "circleplan {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs and asserts success, returning stdout.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    String::from_utf8(succeed(dir, args).stdout).unwrap()
}

/// Runs and asserts failure, returning stderr.
pub fn fails(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "{args:?} succeeded: {err}");
    err
}

/// Asserts that a finished run succeeded and parses its stdout as JSON.
pub fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A text file, with its path in the panic message when it cannot be read.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A JSON file (a layer, a summary), parsed.
pub fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The JSON file `rel` inside `dir`, parsed.
pub fn read_json_in(dir: &Path, rel: &str) -> Value {
    read_json(&dir.join(rel))
}

/// The properties of every feature of a GeoJSON layer.
pub fn props(layer: &Value) -> Vec<&Value> {
    layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"])
        .collect()
}

/// The sorted file names in a folder.
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A GeoJSON point feature with id `id` and extra properties `props` (`,"key":value…`).
pub fn point(
    id: &str,
    x: impl std::fmt::Display,
    y: impl std::fmt::Display,
    props: &str,
) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"id":"{id}"{props}}},"geometry":{{"type":"Point","coordinates":[{x},{y}]}}}}"#
    )
}

/// A GeoJSON FeatureCollection of `features`.
pub fn collection(features: &[String]) -> String {
    collection_in(None, features)
}

/// A GeoJSON FeatureCollection of `features`, with a named `crs` member when given.
pub fn collection_in(crs: Option<&str>, features: &[String]) -> String {
    let crs = crs
        .map(|name| format!(r#""crs":{{"type":"name","properties":{{"name":"{name}"}}}},"#))
        .unwrap_or_default();
    format!(
        r#"{{"type":"FeatureCollection",{crs}"features":[{}]}}"#,
        features.join(",")
    )
}

/// The layers of the synthetic city [`synth_city`] writes.
pub const CITY: [&str; 4] = [
    "--compounds",
    "city/compounds.geojson",
    "--centers",
    "city/centers.geojson",
];

/// `command` on the synthetic city's layers, then `extra`.
pub fn on_city<'a>(command: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    [&[command][..], &CITY, extra].concat()
}

/// `command` on the demo district's compounds and centres (absolute paths), then `extra`.
pub fn on_demo(command: &str, extra: &[&str]) -> Vec<String> {
    let layer = |file: &str| demo_data().join(file).to_string_lossy().into_owned();
    let head = [
        command.to_string(),
        "--compounds".into(),
        layer("compounds.geojson"),
        "--centers".into(),
        layer("centers.geojson"),
    ];
    head.into_iter()
        .chain(extra.iter().map(|s| s.to_string()))
        .collect()
}

/// The demo district's candidate sites file (absolute path).
pub fn demo_candidates() -> String {
    demo_data()
        .join("candidates.geojson")
        .to_string_lossy()
        .into_owned()
}

/// A seeded synthetic city in `dir/city` (`circleplan synth`).
pub fn synth_city(dir: &Path, compounds: &str, centres: &str, candidates: &str, seed: &str) {
    succeed(
        dir,
        &[
            "synth",
            "--compounds",
            compounds,
            "--centers",
            centres,
            "--candidates",
            candidates,
            "--seed",
            seed,
            "-o",
            "city",
        ],
    );
}
