//! Golden outputs: every file `coverage`, `gaps`, `site` and `demo` write — layers, tables,
//! summaries, workbooks and HTML reports — must stay byte-identical to the references in
//! `tests/golden/*.txt` (one line per file: path, size, FNV-1a 64 hash), on the demo data and
//! on a small seeded synthetic city walked along its streets. Each case runs on one thread
//! and on two, and both runs must agree before either is compared with the reference.
//!
//! After a deliberate output change, set `BLESS=1` to rewrite the references, then say in the
//! commit which outputs changed and why.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// One command of a case: the folder it writes (`-o`, and its report inside), the command,
/// its layers and its other arguments.
struct Step {
    out: &'static str,
    command: &'static str,
    layers: &'static [&'static str],
    extra: &'static [&'static str],
}

const DEMO: &[&str] = &[
    "--compounds",
    "data/demo/compounds.geojson",
    "--centers",
    "data/demo/centers.geojson",
];

/// The committed demo district, through every command the report and layers come from.
const DEMO_STEPS: &[Step] = &[
    Step {
        out: "coverage",
        command: "coverage",
        layers: DEMO,
        extra: &["--group-by", "street", "--circles"],
    },
    Step {
        out: "coverage-capacitated",
        command: "coverage",
        layers: DEMO,
        extra: &[
            "--capacitated",
            "--residents-per-capacity",
            "2",
            "--lang",
            "en",
        ],
    },
    Step {
        out: "gaps",
        command: "gaps",
        layers: DEMO,
        extra: &[],
    },
    Step {
        out: "site",
        command: "site",
        layers: DEMO,
        extra: &["--candidates", "data/demo/candidates.geojson", "--add", "5"],
    },
    Step {
        out: "site-target",
        command: "site",
        layers: DEMO,
        extra: &["--candidates", "auto", "--target", "0.97"],
    },
];

/// `circleplan demo` itself: it writes its own inputs, the lifecircle tour and one report.
const TOUR_STEPS: &[Step] = &[Step {
    out: "demo",
    command: "demo",
    layers: &[],
    extra: &[],
}];

/// The synthetic city's layers, walked along its streets.
const CITY_WALK: &[&str] = &[
    "--compounds",
    "city/compounds.geojson",
    "--centers",
    "city/centers.geojson",
    "--metric",
    "network",
    "--network",
    "city/streets.geojson",
];

/// A small seeded synthetic city with streets, walked (`--metric network`), and one with
/// GIS-style streets (polylines not split at crossings) walked with `--node-crossings`.
const WALK_STEPS: &[Step] = &[
    Step {
        out: "city",
        command: "synth",
        layers: &[],
        extra: &[
            "--compounds",
            "300",
            "--centers",
            "20",
            "--candidates",
            "60",
            "--seed",
            "7",
        ],
    },
    Step {
        out: "walk-coverage",
        command: "coverage",
        layers: CITY_WALK,
        extra: &["--minutes", "10", "--circles"],
    },
    Step {
        out: "walk-gaps",
        command: "gaps",
        layers: CITY_WALK,
        extra: &[],
    },
    Step {
        out: "walk-site",
        command: "site",
        layers: CITY_WALK,
        extra: &["--candidates", "city/candidates.geojson", "--add", "3"],
    },
    Step {
        out: "gis-city",
        command: "synth",
        layers: &[],
        extra: &[
            "--compounds",
            "200",
            "--centers",
            "12",
            "--candidates",
            "10",
            "--seed",
            "11",
            "--gis-streets",
            "150",
        ],
    },
    Step {
        out: "gis-walk",
        command: "coverage",
        layers: &[
            "--compounds",
            "gis-city/compounds.geojson",
            "--centers",
            "gis-city/centers.geojson",
            "--metric",
            "network",
            "--network",
            "gis-city/streets.geojson",
            "--node-crossings",
        ],
        extra: &["--circles"],
    },
];

/// FNV-1a, 64 bits: enough to notice any change; collisions are not a concern here.
fn fnv64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Every file under `root/dir`, as `path → "size hash"` with `/`-separated relative paths.
fn hash_tree(root: &Path, dir: &Path, into: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(root.join(dir)).unwrap() {
        let entry = entry.unwrap();
        let rel = dir.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            hash_tree(root, &rel, into);
        } else {
            let bytes = std::fs::read(entry.path()).unwrap();
            let key = rel
                .iter()
                .map(|c| c.to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            into.insert(key, format!("{} {:016x}", bytes.len(), fnv64(&bytes)));
        }
    }
}

/// Runs the steps in a fresh directory (with a copy of `data/demo` when `with_demo_data`) on
/// `threads` threads and returns the manifest of everything they wrote.
fn run_case(steps: &[Step], with_demo_data: bool, threads: &str) -> BTreeMap<String, String> {
    let dir = tempfile::tempdir().unwrap();
    if with_demo_data {
        let data = dir.path().join("data/demo");
        std::fs::create_dir_all(&data).unwrap();
        for entry in std::fs::read_dir(common::demo_data()).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), data.join(entry.file_name())).unwrap();
        }
    }
    let mut manifest = BTreeMap::new();
    for step in steps {
        common::succeed_threads(dir.path(), &command_line(step), threads);
        hash_tree(dir.path(), Path::new(step.out), &mut manifest);
    }
    manifest
}

/// A step's full argument list: the analysis commands write their report beside their layers;
/// synth and demo have no `--report` (demo writes its own) and no `--quiet`.
fn command_line(step: &Step) -> Vec<String> {
    let mut args: Vec<String> = [&[step.command][..], step.layers, step.extra]
        .concat()
        .iter()
        .map(|a| a.to_string())
        .collect();
    if matches!(step.command, "coverage" | "gaps" | "site") {
        args.extend([
            "--report".into(),
            format!("{}/report.html", step.out),
            "-q".into(),
        ]);
    }
    args.extend(["-o".into(), step.out.into()]);
    args
}

/// The command that wrote `file` (its first path component is the step's folder).
fn command_of(steps: &[Step], file: &str) -> String {
    let out = file.split('/').next().unwrap_or("");
    steps
        .iter()
        .find(|s| s.out == out)
        .map(|s| format!("circleplan {}", command_line(s).join(" ")))
        .unwrap_or_else(|| "no command".into())
}

fn render(manifest: &BTreeMap<String, String>) -> String {
    let mut text = String::new();
    for (path, entry) in manifest {
        writeln!(text, "{path} {entry}").unwrap();
    }
    text
}

fn parse(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (path, entry) = l.split_once(' ').expect("`path size hash` lines");
            (path.to_string(), entry.to_string())
        })
        .collect()
}

/// One line per file that differs between `expected` and `actual`, naming the command that
/// wrote it.
fn mismatches(
    steps: &[Step],
    expected: &BTreeMap<String, String>,
    actual: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut lines = Vec::new();
    for (path, want) in expected {
        match actual.get(path) {
            None => lines.push(format!(
                "{path}: missing (from `{}`)",
                command_of(steps, path)
            )),
            Some(got) if got != want => lines.push(format!(
                "{path}: size/hash {got}, expected {want} (from `{}`)",
                command_of(steps, path)
            )),
            Some(_) => {}
        }
    }
    for path in actual.keys().filter(|p| !expected.contains_key(*p)) {
        lines.push(format!(
            "{path}: not in the reference (from `{}`)",
            command_of(steps, path)
        ));
    }
    lines
}

fn check_golden(name: &str, steps: &[Step], with_demo_data: bool) {
    let one = run_case(steps, with_demo_data, "1");
    let two = run_case(steps, with_demo_data, "2");
    let differ = mismatches(steps, &one, &two);
    assert!(
        differ.is_empty(),
        "{name}: outputs differ between 1 and 2 threads (1 thread is the reference here):\n{}",
        differ.join("\n")
    );
    let path = common::repo().join(format!("tests/golden/{name}.txt"));
    if std::env::var_os("BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, render(&one)).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{name}: no {} (run with BLESS=1 to write it)",
            path.display()
        )
    });
    let differ = mismatches(steps, &parse(&expected), &one);
    assert!(
        differ.is_empty(),
        "{name}: outputs differ from {} (if the change is deliberate, rerun with BLESS=1 \
         and say why in the commit):\n{}",
        path.display(),
        differ.join("\n")
    );
}

#[test]
fn demo_data_outputs_match_the_golden_manifest() {
    check_golden("demo_data", DEMO_STEPS, true);
}

#[test]
fn demo_command_outputs_match_the_golden_manifest() {
    check_golden("demo_command", TOUR_STEPS, false);
}

#[test]
fn walking_synthetic_city_outputs_match_the_golden_manifest() {
    check_golden("walk_city", WALK_STEPS, false);
}

/// The comparison itself: a changed, a missing and an extra file are each named with the
/// command that wrote them.
#[test]
fn mismatches_name_the_file_and_its_command() {
    let expected = parse("gaps/a.json 3 00000000000000aa\ngaps/b.json 1 00000000000000bb\n");
    let actual = parse("gaps/a.json 3 00000000000000ab\ngaps/c.json 1 00000000000000cc\n");
    let lines = mismatches(DEMO_STEPS, &expected, &actual);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].starts_with("gaps/a.json: size/hash"), "{lines:?}");
    assert!(lines[1].starts_with("gaps/b.json: missing"), "{lines:?}");
    assert!(lines[2].starts_with("gaps/c.json: not in"), "{lines:?}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains("circleplan gaps --compounds")),
        "{lines:?}"
    );
    assert_eq!(
        render(&expected),
        "gaps/a.json 3 00000000000000aa\ngaps/b.json 1 00000000000000bb\n"
    );
    assert_ne!(fnv64(b"a"), fnv64(b"b"));
}
