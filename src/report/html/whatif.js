// circleplan report: what-if switches and the scenario switcher. Coverage is recomputed here
// from #page-data exactly as WhatIf::covered_population does (same order of sums).
(function () {
  "use strict";
  var dataEl = document.getElementById("page-data");
  var svg = document.getElementById("map");
  if (!dataEl || !svg) { return; }
  var data = JSON.parse(dataEl.textContent);
  var w = data.whatif;
  var NS = svg.namespaceURI; // the SVG namespace, without writing an address into the page
  var current = "base", modified = false;

  function thousands(x) {
    var n = Math.round(x), s = String(Math.abs(n)), out = "";
    for (var i = 0; i < s.length; i++) {
      if (i > 0 && (s.length - i) % 3 === 0) { out += ","; }
      out += s.charAt(i);
    }
    return (n < 0 ? "-" : "") + out;
  }
  function pct(share) { return (share * 100).toFixed(1) + "%"; }
  function all(sel) { return Array.prototype.slice.call(document.querySelectorAll(sel)); }

  // --- What-if: which sites are on, and what that covers.
  var on = w ? w.sites.map(function (s) { return s.on; }) : [];
  var initial = on.slice();
  var marks = [];
  all(".lay-whatif [data-site-id]").forEach(function (m) { marks[+m.getAttribute("data-k")] = m; });
  var reach = [];
  all(".lay-wr .wr").forEach(function (c) { reach[+c.getAttribute("data-k")] = c; });
  var baseCircles = {};
  all(".lay-circles .sc, .lay-areas .sa").forEach(function (c) { baseCircles[+c.getAttribute("data-i")] = c; });
  var groupCells = all("[data-wi]");

  function coverage() {
    var n = w.population.length, cov = new Uint8Array(n), s, i, c;
    for (i = 0; i < n; i++) { cov[i] = w.fixed[i] ? 1 : 0; }
    for (s = 0; s < w.sites.length; s++) {
      if (!on[s]) { continue; }
      c = w.sites[s].covers;
      for (i = 0; i < c.length; i++) { cov[c[i]] = 1; }
    }
    var sum = 0;
    for (i = 0; i < n; i++) { if (cov[i]) { sum += w.population[i]; } }
    var groups = w.groups.map(function (g) {
      var covered = g.fixed_covered.slice();
      for (var k = 0; k < n; k++) { if (cov[k]) { covered[g.of[k]] += w.population[k]; } }
      return covered;
    });
    return { covered: w.fixed_covered + sum, groups: groups };
  }

  function shq(word) {
    return /^[A-Za-z0-9_.\/=:,+@%\-\u0080-\uffff]+$/.test(word) ? word : "'" + word.replace(/'/g, "'\\''") + "'";
  }
  function flagsLine() {
    var added = [], closed = [];
    w.sites.forEach(function (s, k) {
      if (s.existing && !on[k]) { closed.push(s.id); }
      if (!s.existing && on[k]) { added.push(s.id); }
    });
    var parts = [];
    if (added.length) { parts.push("--scenario " + shq("whatif=" + added.join(","))); }
    if (closed.length) { parts.push("--close " + shq("whatif=" + closed.join(","))); }
    return parts.join(" ");
  }

  var shown = [];
  function showSites() {
    marks.forEach(function (m, k) {
      if (shown[k] === on[k]) { return; }
      shown[k] = on[k];
      m.classList.toggle("on", on[k]);
      m.classList.toggle("off", !on[k]);
      m.setAttribute("aria-pressed", on[k] ? "true" : "false");
      if (reach[k]) { reach[k].style.display = on[k] ? "" : "none"; }
      var c = m.getAttribute("data-centre");
      if (c !== null) {
        if (baseCircles[+c]) { baseCircles[+c].style.display = on[k] ? "" : "none"; }
        var ct = svg.querySelector('.ct[data-i="' + c + '"]');
        if (ct) { ct.classList.toggle("closed", !on[k]); }
      }
    });
  }

  function update() {
    if (!w) { return; }
    var r = coverage();
    var share = w.total_population > 0 ? r.covered / w.total_population : 0;
    var live = on.some(function (v, k) { return v !== initial[k]; });
    all('[data-metric="share"]').forEach(function (el) {
      el.setAttribute("data-value", String(share));
      el.classList.toggle("live", live);
    });
    all('[data-key="population.share"]').forEach(function (el) { el.textContent = pct(share); });
    all('[data-key="population.covered"]').forEach(function (el) { el.textContent = thousands(r.covered); });
    groupCells.forEach(function (el) {
      var g = +el.getAttribute("data-wi-g"), v = +el.getAttribute("data-wi-v");
      var covered = r.groups[g][v], pop = w.groups[g].population[v];
      // Only cells whose figure changed are written: a table of thousands stays cheap.
      if (el.cpShown === covered) { return; }
      el.cpShown = covered;
      var td = el.parentNode;
      if (el.getAttribute("data-wi") === "pop") {
        el.textContent = thousands(covered);
        td.setAttribute("data-v", String(covered));
      } else {
        var sh = pop > 0 ? covered / pop : 0;
        el.textContent = pct(sh);
        td.setAttribute("data-v", String(sh));
        var bar = td.querySelector(".sbar");
        if (bar) { bar.style.width = Math.min(Math.max(sh * 100, 0), 100).toFixed(1) + "%"; }
      }
    });
    showSites();
    var line = flagsLine(), code = document.getElementById("whatif-line");
    if (code) { code.textContent = line || code.getAttribute("data-empty"); }
  }

  // --- Scenarios: the switcher, and the gained/lost marks.
  var changeLayer = document.getElementById("map-change");
  var position = {};
  (data.changed || []).forEach(function (i, k) { position[i] = [data.changed_xy[2 * k], data.changed_xy[2 * k + 1]]; });

  function drawChanges(k) {
    if (!changeLayer) { return; }
    while (changeLayer.firstChild) { changeLayer.removeChild(changeLayer.firstChild); }
    svg.classList.toggle("scn", k !== "base");
    if (k === "base") { return; }
    var s = data.scenarios[k];
    [["lost", "cl"], ["gained", "cg"]].forEach(function (kind) {
      s[kind[0]].forEach(function (i) {
        var p = position[i];
        if (!p) { return; }
        var m = document.createElementNS(NS, "path");
        m.setAttribute("class", "chg " + kind[1]);
        m.setAttribute("d", "M" + p[0] + " " + p[1] + "h.01");
        m.setAttribute("data-i", String(i));
        changeLayer.appendChild(m);
      });
    });
  }

  function showSwitcher() {
    all("[data-scenario]").forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-scenario") === String(current) ? "true" : "false");
      b.classList.toggle("modified", modified && b.getAttribute("data-scenario") === String(current));
    });
    var status = document.getElementById("scn-status");
    if (status && w) {
      var s = current === "base" ? null : data.scenarios[current];
      var text = modified ? (status.getAttribute("data-modified") || "") : "";
      if (s && !s.exact) { text = status.getAttribute("data-inexact") || ""; }
      status.textContent = text;
    }
  }

  function choose(k) {
    current = k;
    modified = false;
    if (w) {
      on = k === "base" ? initial.slice() : w.sites.map(function (s) { return s.existing; });
      if (k !== "base") {
        data.scenarios[k].added.forEach(function (s) { on[s] = true; });
        data.scenarios[k].closed.forEach(function (s) { on[s] = false; });
      }
    }
    drawChanges(k);
    showSwitcher();
    update();
  }

  function toggle(k) {
    on[k] = !on[k];
    modified = true;
    showSwitcher();
    update();
  }

  all("[data-scenario]").forEach(function (b) {
    b.addEventListener("click", function () {
      var k = b.getAttribute("data-scenario");
      choose(k === "base" ? "base" : +k);
    });
  });
  svg.addEventListener("click", function (e) {
    var m = e.target.closest && e.target.closest("[data-site-id]");
    if (m) { toggle(+m.getAttribute("data-k")); }
  });
  svg.addEventListener("keydown", function (e) {
    var m = e.target.closest && e.target.closest("[data-site-id]");
    if (m && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      toggle(+m.getAttribute("data-k"));
    }
  });

  // --- The flags line: copy it (clipboard, else a selected textarea), or go back.
  function fallbackCopy(text) {
    var t = document.createElement("textarea");
    t.value = text;
    t.setAttribute("readonly", "");
    t.style.position = "fixed";
    t.style.left = "-9999px";
    document.body.appendChild(t);
    t.select();
    try { document.execCommand("copy"); } catch (err) { /* the line stays shown */ }
    document.body.removeChild(t);
  }
  var copyBtn = document.getElementById("whatif-copy");
  if (copyBtn) {
    var label = copyBtn.textContent;
    copyBtn.addEventListener("click", function () {
      var text = flagsLine();
      var done = function () {
        copyBtn.textContent = copyBtn.getAttribute("data-done");
        setTimeout(function () { copyBtn.textContent = label; }, 1500);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
      } else {
        fallbackCopy(text);
        done();
      }
    });
  }
  var resetBtn = document.getElementById("whatif-reset");
  if (resetBtn) { resetBtn.addEventListener("click", function () { choose("base"); }); }
  update();
}());
