#!/usr/bin/env python3
"""The what-if report in a real browser (issue 17, item 7).

Generates a synthetic city, writes two proposals from its candidates, runs
`circleplan compare` with a report, opens the report in headless Chromium and checks:

* at load, `[data-metric=share]` carries the baseline share of summary.json;
* clicking the `[data-site-id]` marks of scenario 方案B's added sites and closed centres
  gives 方案B's share from summary.json (to 0.1 %), and the per-group table's covered
  population equals 方案B's per-street figures;
* the scenario switcher sets the switches to a scenario (share equal to its own) and back
  to the baseline, and marks the compounds it gains and loses;
* the flags line names the switched sites, the copy button answers, nothing is logged as
  an error.

    python3 tests/browser/whatif.py target/debug/circleplan [--keep DIR]

Needs `pip install playwright` and a Chromium (`/usr/bin/chromium` on Debian, or
CHROMIUM=/path); it never downloads a browser.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

TOLERANCE = 1e-3  # 0.1 % of the population, as a share
SCENARIO_A, SCENARIO_B = "方案A", "方案B"


def run(*args):
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"FAIL: {' '.join(map(str, args))}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def proposal(path, features):
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )


def make_run(binary, work):
    """The city, the proposals and the compare run; returns (report path, summary)."""
    city = work / "city"
    run(binary, "synth", "--compounds", 900, "--centers", 60, "--candidates", 40,
        "--seed", 11, "-o", city)
    candidates = json.loads((city / "candidates.geojson").read_text(encoding="utf-8"))["features"]
    centres = json.loads((city / "centers.geojson").read_text(encoding="utf-8"))["features"]
    proposal(work / "a.geojson", candidates[0:5])
    proposal(work / "b.geojson", candidates[3:12])  # shares two sites with A
    closed = [f["properties"]["id"] for f in centres[20:60:8]]
    out = work / "out"
    stdout = run(binary, "compare", "--compounds", city / "compounds.geojson",
                 "--centers", city / "centers.geojson",
                 "--scenario", f"{SCENARIO_A}=" + str(work / "a.geojson"),
                 "--scenario", f"{SCENARIO_B}=" + str(work / "b.geojson"),
                 "--close", f"{SCENARIO_B}=" + ",".join(closed),
                 "--group-by", "street", "-o", out, "--report", out / "r.html",
                 "--format", "json", "--quiet")
    json.loads(stdout)  # --format json prints the summary
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return out / "r.html", summary


def share_on_page(page):
    return float(page.get_attribute("[data-metric=share]", "data-value"))


def click_site(page, site_id):
    """Clicks the site's mark where it shows; when another mark covers that point, sends
    the click to the element itself. Returns True for a real mouse click."""
    mark = page.locator(f"[data-site-id={json.dumps(site_id)}]")
    assert mark.count() == 1, f"{mark.count()} marks for site {site_id}"
    mark.scroll_into_view_if_needed()
    box = mark.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    hit = page.evaluate(
        """([x, y, id]) => {
            const e = document.elementFromPoint(x, y);
            const m = e && e.closest("[data-site-id]");
            return !!m && m.getAttribute("data-site-id") === id;
        }""",
        [x, y, site_id],
    )
    if hit:
        page.mouse.click(x, y)
    else:
        mark.dispatch_event("click")
    return hit


def check(ok, what):
    if not ok:
        sys.exit(f"FAIL: {what}")
    print(f"ok: {what}")


def group_figures(page):
    """The per-street table's live covered population: value -> covered."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('#table-group-0 [data-wi=pop]')).map(
            e => [e.closest('tr').cells[0].textContent, parseFloat(e.parentNode.getAttribute('data-v'))])"""
    )


def switch_to_b(page, summary, scen):
    b = scen[SCENARIO_B]
    real = 0
    for site_id in b["added_ids"] + b["closed_ids"]:
        real += click_site(page, site_id)
    check(real > 0, f"{real} of {len(b['added_ids']) + len(b['closed_ids'])} sites clicked with the mouse")
    for site_id in b["added_ids"]:
        pressed = page.get_attribute(f"[data-site-id={json.dumps(site_id)}]", "aria-pressed")
        check(pressed == "true", f"added site {site_id} is on")
    got = share_on_page(page)
    check(abs(got - b["share"]) <= TOLERANCE,
          f"share after switching {SCENARIO_B}'s sites: page {got:.6f}, compare {b['share']:.6f}")
    want = {r["value"]: r["covered_population"] for r in b["groups"]["street"]}
    for value, covered in group_figures(page):
        check(abs(covered - want[value]) <= TOLERANCE * max(1.0, want[value]),
              f"street {value}: covered {covered:.0f} = compare's {want[value]:.0f}") if value in want else None
    line = page.text_content("#whatif-line")
    check(all(i in line for i in b["added_ids"] + b["closed_ids"]) and "--close" in line,
          f"flags line: {line}")


def switcher(page, summary, scen):
    base = summary["population"]["share"]
    page.click('[data-scenario="base"]')
    check(abs(share_on_page(page) - base) <= 1e-9, "baseline button restores the baseline share")
    names = page.eval_on_selector_all("[data-scenario]", "bs => bs.map(b => b.textContent)")
    k = names.index(SCENARIO_A) - 1
    page.click(f'[data-scenario="{k}"]')
    a = scen[SCENARIO_A]
    got = share_on_page(page)
    check(abs(got - a["share"]) <= TOLERANCE,
          f"switcher {SCENARIO_A}: page {got:.6f}, compare {a['share']:.6f}")
    marks = page.locator("#map-change .chg").count()
    check(marks == a["compounds_gained"] + a["compounds_lost"],
          f"{marks} gained/lost marks for {a['compounds_gained']} gained + {a['compounds_lost']} lost")
    page.click("#whatif-copy")
    page.wait_for_function(
        "() => document.getElementById('whatif-copy').textContent === "
        "document.getElementById('whatif-copy').getAttribute('data-done')")
    check(True, "copy button answers")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = Path(sys.argv[1]).resolve()
    keep = Path(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--keep" else None
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        report, summary = make_run(binary, work)
        scen = {s["name"]: s for s in summary["scenarios"]}
        check(scen[SCENARIO_B]["delta_population"] != 0, f"{SCENARIO_B} changes coverage")
        errors = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(report.as_uri())
            base = summary["population"]["share"]
            got = share_on_page(page)
            check(abs(got - base) <= 1e-9, f"share at load {got:.6f} = summary {base:.6f}")
            switch_to_b(page, summary, scen)
            switcher(page, summary, scen)
            browser.close()
        check(not errors, f"no page errors {errors}")
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(report, keep / "r.html")
    print("browser what-if checks passed")


if __name__ == "__main__":
    main()
