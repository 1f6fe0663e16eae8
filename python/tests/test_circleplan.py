"""The Python package against the circleplan command on the demo district: the same summary,
the same layers, the same files, the same error messages.

The command is found by $CIRCLEPLAN_BIN, else in $CARGO_TARGET_DIR (or the repository's
target/) under debug/ or release/; build it with `cargo build` first.
"""

import io
import json
import os
import subprocess
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import shape

import circleplan as cp

ROOT = Path(__file__).resolve().parents[2]
DEMO = "data/demo"
EPOCH = "1767225600"  # 2026-01-01, as the Rust end-to-end tests fix it


def _binary() -> str:
    given = os.environ.get("CIRCLEPLAN_BIN")
    if given:
        return given
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    if not target.is_absolute():
        target = ROOT / target
    for profile in ("debug", "release"):
        path = target / profile / "circleplan"
        if path.exists():
            return str(path)
    raise RuntimeError(
        f"no circleplan binary in {target}: run `cargo build` first or set CIRCLEPLAN_BIN"
    )


@pytest.fixture(autouse=True)
def at_repository_root(monkeypatch):
    """Both sides read the same relative paths, so the summaries' `inputs` agree."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def cli(tmp_path: Path, *args: str) -> Path:
    """Runs the command writing into a fresh folder; returns the folder."""
    out = tmp_path / "cli"
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    proc = subprocess.run(
        [_binary(), *args, "-o", str(out), "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    return out


def cli_error(*args: str) -> str:
    """The one line the command prints for a failing run, without `error: `."""
    proc = subprocess.run(
        [_binary(), *args, "--quiet"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode != 0, proc.stdout
    line = proc.stderr.strip()
    assert line.startswith("error: "), line
    return line[len("error: "):]


def assert_same_as_cli(result: cp.Result, out: Path):
    """Every file the command wrote is in the result with the same bytes; the summary is the
    command's summary.json; every layer's frame holds the file's features."""
    written = sorted(p.name for p in out.iterdir())
    assert sorted(result.files) == written
    for name in written:
        if name.endswith(".xlsx"):
            # The command streams the ledger sheet through its output folder (inline strings,
            # styles numbered as written); in memory the workbook keeps shared strings: the
            # same cells, stored differently.
            assert xlsx_cells(result.files[name]) == xlsx_cells((out / name).read_bytes())
            continue
        assert result.files[name] == (out / name).read_bytes(), name
    assert result.summary == json.loads((out / "summary.json").read_text("utf-8"))
    for name in written:
        if name.endswith(".geojson"):
            assert_layer(result.layers[name[: -len(".geojson")]], out / name)


def xlsx_cells(data: bytes) -> dict:
    """Every sheet's cells as {sheet name: {cell ref: value text}}."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    book = zipfile.ZipFile(io.BytesIO(data))
    shared = []
    if "xl/sharedStrings.xml" in book.namelist():
        root = ET.fromstring(book.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")) for si in root]
    rels = ET.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    sheets = {}
    for sheet in ET.fromstring(book.read("xl/workbook.xml")).find("m:sheets", ns):
        target = targets[sheet.get(rel)].lstrip("/")
        path = target if target.startswith("xl/") else f"xl/{target}"
        cells = {}
        for c in ET.fromstring(book.read(path)).iter(f"{{{ns['m']}}}c"):
            kind, v = c.get("t"), c.find("m:v", ns)
            if kind == "s":
                cells[c.get("r")] = shared[int(v.text)]
            elif kind == "inlineStr":
                cells[c.get("r")] = "".join(t.text or "" for t in c.iter(f"{{{ns['m']}}}t"))
            elif v is not None:
                cells[c.get("r")] = v.text
        sheets[sheet.get("name")] = cells
    assert sheets and any(sheets.values())
    return sheets


def assert_layer(frame: gpd.GeoDataFrame, path: Path):
    features = json.loads(path.read_text("utf-8"))["features"]
    assert frame.crs.to_epsg() == 4326
    assert len(frame) == len(features)
    keys = list(dict.fromkeys(k for f in features for k in f["properties"]))
    assert [c for c in frame.columns if c != "geometry"] == keys
    for i, f in enumerate(features):
        assert shapely.equals_exact(frame.geometry.iloc[i], shape(f["geometry"]), 0.0), i
    # Spot-check the values (pandas turns missing values into NaN/None).
    first = features[0]["properties"]
    for k, v in first.items():
        got = frame.iloc[0][k]
        if isinstance(v, (list, dict)) or v is None:
            continue
        assert got == v, (k, got, v)


def demo_study(**options) -> cp.Study:
    return cp.Study(
        compounds=f"{DEMO}/compounds.geojson",
        centres=f"{DEMO}/centers.geojson",
        candidates=f"{DEMO}/candidates.geojson",
        **options,
    )


def demo_frames():
    """The demo layers as GeoDataFrames; the compounds in a projected CGCS2000 zone."""
    compounds = gpd.read_file(ROOT / DEMO / "compounds.geojson").to_crs("EPSG:4548")
    centres = gpd.read_file(ROOT / DEMO / "centers.geojson")
    candidates = gpd.read_file(ROOT / DEMO / "candidates.geojson")
    return compounds, centres, candidates


def without_inputs(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k != "inputs"}


# -- the same as the command, from files ----------------------------------------------------

def test_coverage_equals_the_command(tmp_path):
    out = cli(
        tmp_path,
        "coverage",
        "--compounds", f"{DEMO}/compounds.geojson",
        "--centers", f"{DEMO}/centers.geojson",
        "--minutes", "10",
        "--group-by", "street",
    )
    result = demo_study().coverage(minutes=10, group_by=["street"])
    assert_same_as_cli(result, out)
    assert result.summary["population"]["covered"] > 0
    assert "covered" in result.compounds.columns
    assert len(result.centres) == 266


def test_coverage_by_radius_with_circles_equals_the_command(tmp_path):
    out = cli(
        tmp_path,
        "coverage",
        "--compounds", f"{DEMO}/compounds.geojson",
        "--centers", f"{DEMO}/centers.geojson",
        "--radius", "800",
        "--circles",
    )
    result = demo_study().coverage(radius_m=800, circles=True)
    assert_same_as_cli(result, out)
    assert result.summary["circle"]["radius_m"] == 800
    assert result.circles.geom_type.isin(["Polygon", "MultiPolygon"]).all()


def test_walking_coverage_equals_the_command(tmp_path):
    out = cli(
        tmp_path,
        "coverage",
        "--compounds", f"{DEMO}/compounds.geojson",
        "--centers", f"{DEMO}/centers.geojson",
        "--metric", "network",
        "--network", f"{DEMO}/streets.geojson",
        "--group-by", "street",
    )
    study = demo_study(network=f"{DEMO}/streets.geojson", metric="network")
    result = study.coverage(minutes=15, group_by=["street"])
    assert_same_as_cli(result, out)
    assert result.summary["circle"]["metric"] != "euclidean"


def test_walking_from_gates_equals_the_command(tmp_path):
    out = cli(
        tmp_path,
        "coverage",
        "--compounds", f"{DEMO}/compounds.geojson",
        "--centers", f"{DEMO}/centers.geojson",
        "--network", f"{DEMO}/streets.geojson",
        "--gates", f"{DEMO}/gates.geojson",
    )
    gates = gpd.read_file(f"{DEMO}/gates.geojson")
    study = demo_study(network=f"{DEMO}/streets.geojson", gates=gates)
    result = study.coverage(minutes=15)
    assert result.summary["access"] == "gates"
    plain = demo_study(network=f"{DEMO}/streets.geojson").coverage(minutes=15)
    assert plain.summary["access"] == "point"
    cli_summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert without_inputs(result.summary) == without_inputs(cli_summary)
    assert result.summary["population"]["covered"] != plain.summary["population"]["covered"]


def test_gaps_equal_the_command(tmp_path):
    out = cli(
        tmp_path,
        "gaps",
        "--compounds", f"{DEMO}/compounds.geojson",
        "--centers", f"{DEMO}/centers.geojson",
        "--candidates", f"{DEMO}/candidates.geojson",
        "--minutes", "10",
    )
    result = demo_study().gaps(minutes=10)
    assert_same_as_cli(result, out)
    assert len(result.gaps) == result.summary["gaps"]["zones"] > 0
    assert len(result.gap_compounds) == result.summary["gaps"]["uncovered_compounds"]


def test_site_equals_the_command(tmp_path):
    out = cli(
        tmp_path,
        "site",
        "--compounds", f"{DEMO}/compounds.geojson",
        "--centers", f"{DEMO}/centers.geojson",
        "--candidates", f"{DEMO}/candidates.geojson",
        "--add", "5",
        "--radius", "800",
        "--require", "K001",
        "--exclude", "K002,K003",
    )
    result = demo_study().site(add=5, radius_m=800, require=["K001"], exclude=["K002", "K003"])
    assert_same_as_cli(result, out)
    assert len(result.sites) == 5
    assert "K001" in set(result.sites["id"])
    assert not {"K002", "K003"} & set(result.sites["id"])


def test_site_by_distance_equals_the_command(tmp_path):
    out = cli(
        tmp_path,
        "site",
        "--compounds", f"{DEMO}/compounds.geojson",
        "--centers", f"{DEMO}/centers.geojson",
        "--candidates", f"{DEMO}/candidates.geojson",
        "--add", "3",
        "--objective", "distance",
    )
    result = demo_study().site(add=3, objective="distance")
    cli_summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert without_inputs(result.summary) == without_inputs(cli_summary)
    assert result.summary["site"]["objective_kind"] == "distance"


def test_compare_equals_the_command(tmp_path):
    out = cli(
        tmp_path,
        "compare",
        "--compounds", f"{DEMO}/compounds.geojson",
        "--centers", f"{DEMO}/centers.geojson",
        "--scenario", f"A={DEMO}/candidates.geojson",
        "--close", "B=S001,S002",
        "--group-by", "street",
    )
    result = demo_study().compare(
        {"A": f"{DEMO}/candidates.geojson", "B": {"close": ["S001", "S002"]}},
        group_by=["street"],
    )
    assert_same_as_cli(result, out)
    names = [s["name"] for s in result.summary["scenarios"]]
    assert names == ["A", "B"]


def test_lifecircle_equals_the_command(tmp_path):
    out = cli(
        tmp_path,
        "lifecircle",
        "--compounds", f"{DEMO}/compounds.geojson",
        "--facilities", f"{DEMO}/facilities.geojson",
        "--group-by", "street",
    )
    study = cp.Study(compounds=f"{DEMO}/compounds.geojson")
    result = study.lifecircle(
        facilities=f"{DEMO}/facilities.geojson", profile="gb50180-2018", group_by=["street"]
    )
    assert_same_as_cli(result, out)


# -- GeoDataFrames -------------------------------------------------------------------------

def test_geodataframes_in_any_crs_give_the_command_figures(tmp_path):
    out = cli(
        tmp_path,
        "coverage",
        "--compounds", f"{DEMO}/compounds.geojson",
        "--centers", f"{DEMO}/centers.geojson",
        "--group-by", "street",
    )
    compounds, centres, _ = demo_frames()
    assert compounds.crs.to_epsg() == 4548
    result = cp.Study(compounds=compounds, centres=centres).coverage(group_by=["street"])
    want = json.loads((out / "summary.json").read_text("utf-8"))
    # The reprojection round trip moves points by nanometres: the counts are the command's,
    # the distances equal to the centimetre.
    got = without_inputs(result.summary)
    want_ = without_inputs(want)
    assert got["compounds"] == want_["compounds"]
    assert got["population"] == want_["population"]
    assert got["groups"] == want_["groups"]
    assert got["centers"] == want_["centers"]
    assert got["distance_m"]["max"] == pytest.approx(want_["distance_m"]["max"], abs=0.01)
    layer = result.summary["inputs"]["compounds"]
    assert layer["path"] == "compounds (GeoDataFrame)"
    assert layer["features"] == 536
    cli_compounds = gpd.read_file(out / "compounds.geojson")
    assert list(result.compounds["covered"]) == list(cli_compounds["covered"])


def test_walking_with_a_street_geodataframe_equals_the_street_file(tmp_path):
    out = cli(
        tmp_path,
        "coverage",
        "--compounds", f"{DEMO}/compounds.geojson",
        "--centers", f"{DEMO}/centers.geojson",
        "--network", f"{DEMO}/streets.geojson",
    )
    streets = gpd.read_file(ROOT / DEMO / "streets.geojson")
    study = cp.Study(
        compounds=f"{DEMO}/compounds.geojson",
        centres=f"{DEMO}/centers.geojson",
        network=streets,
    )
    result = study.coverage()
    want = json.loads((out / "summary.json").read_text("utf-8"))
    assert without_inputs(result.summary) == without_inputs(want)
    assert result.files["compounds.geojson"] == (out / "compounds.geojson").read_bytes()


def test_site_from_geodataframes_keeps_the_candidates_fields():
    compounds, centres, candidates = demo_frames()
    study = cp.Study(compounds=compounds, centres=centres, candidates=candidates)
    result = study.site(add=3, radius_m=800)
    assert len(result.sites) == 3
    assert result.sites["name"].str.startswith("候选点").all()
    assert result.summary["site"]["candidates"]["source"] == "candidates (GeoDataFrame)"


# -- errors ---------------------------------------------------------------------------------

def test_errors_carry_the_command_message(tmp_path):
    bad = tmp_path / "dup.geojson"
    features = [
        {"type": "Feature", "properties": {"id": "A"},
         "geometry": {"type": "Point", "coordinates": [117.28, 31.86]}},
        {"type": "Feature", "properties": {"id": "A"},
         "geometry": {"type": "Point", "coordinates": [117.29, 31.86]}},
    ]
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    want = cli_error("coverage", "--compounds", str(bad), "--centers", f"{DEMO}/centers.geojson")
    with pytest.raises(cp.Error) as e:
        cp.Study(compounds=str(bad), centres=f"{DEMO}/centers.geojson").coverage()
    assert str(e.value) == want
    assert "duplicate id" in want

    missing = "data/demo/nope.geojson"
    want = cli_error("coverage", "--compounds", missing, "--centers", f"{DEMO}/centers.geojson")
    with pytest.raises(cp.Error) as e:
        cp.Study(compounds=missing, centres=f"{DEMO}/centers.geojson").coverage()
    assert str(e.value) == want


def test_a_geodataframe_error_names_the_layer_and_feature():
    compounds, centres, _ = demo_frames()
    compounds.loc[1, "id"] = compounds.loc[0, "id"]
    with pytest.raises(cp.Error, match=r"^compounds \(GeoDataFrame\): duplicate id \"C001\""):
        cp.Study(compounds=compounds, centres=centres).coverage()


def test_a_refused_parameter_names_the_keyword():
    with pytest.raises(cp.Error, match=r"^invalid minutes -3: must be a number > 0$"):
        demo_study().coverage(minutes=-3)
    with pytest.raises(cp.Error, match="unknown field"):
        demo_study(no_such_option=1).coverage()


# -- the README's example ------------------------------------------------------------------

def test_the_readme_example_runs_and_its_figures_are_the_command(tmp_path):
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme[readme.index("## Python"):]
    code = section[section.index("```python") + len("```python"):]
    code = code[: code.index("```")]
    names: dict = {}
    exec(compile(code, "README.md", "exec"), names)
    out = cli(
        tmp_path,
        "coverage",
        "--compounds", f"{DEMO}/compounds.geojson",
        "--centers", f"{DEMO}/centers.geojson",
        "--group-by", "street",
    )
    want = json.loads((out / "summary.json").read_text("utf-8"))
    cov = names["cov"]
    for key in ("compounds", "population", "centers", "groups", "levels"):
        assert cov.summary[key] == want[key], key
    assert len(names["plan"].sites) == 5
    assert names["life"].files["lifecircle.xlsx"].startswith(b"PK")


def test_compare_with_a_geodataframe_scenario_equals_the_file_scenario(tmp_path):
    out = cli(
        tmp_path,
        "compare",
        "--compounds", f"{DEMO}/compounds.geojson",
        "--centers", f"{DEMO}/centers.geojson",
        "--scenario", f"A={DEMO}/candidates.geojson",
        "--scenario-level", "community",
    )
    candidates = gpd.read_file(ROOT / DEMO / "candidates.geojson").to_crs("EPSG:3857")
    candidates = candidates.drop(columns=["level"])  # the scenario level applies instead
    result = demo_study().compare({"A": {"add": candidates, "level": "community"}})
    want = json.loads((out / "summary.json").read_text("utf-8"))
    got = result.summary
    for key in ("population", "compounds"):
        assert got[key] == want[key]
    assert [s["name"] for s in got["scenarios"]] == ["A"]
    a, b = got["scenarios"][0], want["scenarios"][0]
    assert a["covered_population"] == b["covered_population"]
    assert a["delta_population"] == b["delta_population"]
