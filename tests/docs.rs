//! Every circleplan command shown in README.md and data/README.md, run as written (in a
//! temporary directory holding a copy of `data/`), so the documentation cannot drift from
//! the tool. Not run: `cargo test` (this suite), `tests/screenshot.sh` (needs Chromium), and
//! the benchmark table's reproduce column (elided arguments, Monaco data not in the repo).

mod common;

use std::path::{Path, PathBuf};

use common::repo;

/// The command lines inside the fenced code blocks of a Markdown file, with `\`
/// continuations joined.
fn fenced_commands(markdown: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut in_block = false;
    let mut pending = String::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if !in_block {
            continue;
        }
        let line = line.trim();
        match line.strip_suffix('\\') {
            Some(head) => pending.push_str(head),
            None => {
                pending.push_str(line);
                commands.push(std::mem::take(&mut pending));
            }
        }
    }
    commands
}

/// The circleplan arguments of a documented command line (`cargo run --release -- X` is the
/// binary with X), `None` for other commands.
fn circleplan_args(command: &str) -> Option<Vec<String>> {
    let rest = command
        .strip_prefix("circleplan ")
        .or_else(|| command.strip_prefix("cargo run --release -- "))?;
    Some(rest.split_whitespace().map(str::to_string).collect())
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A working directory with `data/` and the Chinese-named layers README.md uses:
/// `小区.csv` (the demo compounds) and `服务中心.csv` (the demo centres as a Chinese CSV).
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("data"), &dir.path().join("data"));
    std::fs::copy(
        repo().join("data/demo/compounds.csv"),
        dir.path().join("小区.csv"),
    )
    .unwrap();
    let centres: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo().join("data/demo/centers.geojson")).unwrap())
            .unwrap();
    let mut csv = String::from("编号,名称,等级,经度,纬度\n");
    for f in centres["features"].as_array().unwrap() {
        let p = &f["properties"];
        let xy = &f["geometry"]["coordinates"];
        csv.push_str(&format!(
            "{},{},{},{},{}\n",
            p["id"].as_str().unwrap(),
            p["name"].as_str().unwrap(),
            p["level"].as_str().unwrap(),
            xy[0],
            xy[1]
        ));
    }
    std::fs::write(dir.path().join("服务中心.csv"), csv).unwrap();
    dir
}

fn run_documented(file: &str, expected: usize) {
    let text = std::fs::read_to_string(repo().join(file)).unwrap();
    let commands: Vec<Vec<String>> = fenced_commands(&text)
        .iter()
        .filter_map(|c| circleplan_args(c))
        .collect();
    assert_eq!(
        commands.len(),
        expected,
        "{file}: commands found {commands:?}"
    );
    let dir = workspace();
    for args in &commands {
        let out = common::run(dir.path(), args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "{file}: circleplan {args:?} failed:\n{text}"
        );
        // Every documented layer has ids (id or 编号): none may be numbered by position.
        assert!(
            !text.contains("numbered by position"),
            "{file}: {args:?}:\n{text}"
        );
    }
}

#[test]
fn readme_commands_run() {
    run_documented("README.md", 12);
}

#[test]
fn data_readme_commands_run() {
    run_documented("data/README.md", 3);
}

#[test]
fn data_readme_synth_command_rebuilds_the_demo_files() {
    let text = std::fs::read_to_string(repo().join("data/README.md")).unwrap();
    let command = "circleplan synth --compounds 536 --centers 266 --candidates 400 --seed 2024 --csv --facilities 2400 --gates 3 -o data/demo";
    assert!(
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains(command),
        "data/README.md no longer shows {command:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let args = circleplan_args(command).unwrap();
    let out = common::run(dir.path(), &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for entry in std::fs::read_dir(repo().join("data/demo")).unwrap() {
        let path: PathBuf = entry.unwrap().path();
        let name = path.file_name().unwrap();
        let written = std::fs::read(dir.path().join("data/demo").join(name)).unwrap();
        assert!(written == std::fs::read(&path).unwrap(), "{name:?} differs");
    }
}

/// The data/README.md command `--id-field 编号` on the Chinese CSV beside GeoJSON centres:
/// the compounds keep their 编号 ids and the centres keep their own `id`s.
#[test]
fn id_field_is_a_default_that_each_layer_applies_where_it_has_it() {
    let dir = workspace();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "coverage",
            "--compounds",
            "data/demo/compounds.csv",
            "--centers",
            "data/demo/centers.geojson",
            "--quiet",
        ];
        args.extend(extra);
        common::run(dir.path(), &args)
    };
    let csv = std::fs::read_to_string(repo().join("data/demo/compounds.csv")).unwrap();
    let first_compound = csv
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    let centres: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo().join("data/demo/centers.geojson")).unwrap())
            .unwrap();
    let first_centre = centres["features"][0]["properties"]["id"].as_str().unwrap();
    for (i, extra) in [
        &["--id-field", "编号"][..],
        &[][..],
        &["--compounds-id-field", "编号", "--centers-id-field", "id"][..],
    ]
    .iter()
    .enumerate()
    {
        let out_dir = format!("out{i}");
        let mut args = extra.to_vec();
        args.extend(["-o", &out_dir]);
        let out = run(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let layer = |name: &str| -> serde_json::Value {
            serde_json::from_slice(&std::fs::read(dir.path().join(&out_dir).join(name)).unwrap())
                .unwrap()
        };
        let compounds = layer("compounds.geojson");
        assert_eq!(
            compounds["features"][0]["properties"]["id"],
            first_compound.as_str(),
            "{extra:?}"
        );
        let written = layer("centers.geojson");
        let ids: Vec<&str> = written["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["id"].as_str().unwrap())
            .collect();
        assert!(ids.contains(&first_centre), "{extra:?}: {:?}", &ids[..3]);
        assert!(
            !ids.contains(&"1"),
            "{extra:?}: generated ids {:?}",
            &ids[..3]
        );
    }
    // A per-layer id field is required to exist.
    let out = run(&["--centers-id-field", "编号"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("id field \"编号\" is not in any feature"),
        "{err}"
    );
}
