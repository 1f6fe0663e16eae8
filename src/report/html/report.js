// circleplan report: sortable tables and map zoom/pan. No libraries, no network.
(function () {
  "use strict";

  // Tables: click a header to sort by that column (numbers by their data-v value).
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var numeric = th.getAttribute("data-type") === "num";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col], y = b.cells[col], c;
          if (numeric) {
            c = (parseFloat(x.getAttribute("data-v")) || 0) - (parseFloat(y.getAttribute("data-v")) || 0);
          } else {
            c = x.textContent.localeCompare(y.textContent);
          }
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });

  // Map: the layers sit in #map-view under matrix(s 0 0 s ox oy); zooming multiplies it.
  var svg = document.getElementById("map");
  if (!svg) { return; }
  var view = document.getElementById("map-view");
  var labels = document.getElementById("map-labels");
  var s0 = parseFloat(svg.getAttribute("data-scale"));
  var ox = parseFloat(svg.getAttribute("data-ox"));
  var oy = parseFloat(svg.getAttribute("data-oy"));
  var labelPx = parseFloat(svg.getAttribute("data-label-px"));
  // What-if site marks keep their on-screen radius too.
  var siteLayer = document.querySelector(".lay-whatif");
  var siteMarks = document.querySelectorAll(".lay-whatif circle.wm");
  var markPx = siteLayer ? parseFloat(siteLayer.getAttribute("data-mark-px")) : 0;
  var z = 1, tx = 0, ty = 0;

  function niceFloor(m) {
    var p = Math.pow(10, Math.floor(Math.log(m) / Math.LN10));
    return [5, 2, 1].map(function (f) { return f * p; }).filter(function (v) { return v <= m; })[0] || p;
  }
  function metres(m) {
    if (m >= 10000) { return Math.round(m / 1000) + " km"; }
    if (m >= 1000) { return (Math.round(m / 100) / 10) + " km"; }
    return Math.round(m) + " m";
  }
  function apply() {
    var k = s0 * z;
    view.setAttribute("transform", "matrix(" + k + " 0 0 " + k + " " + (z * ox + tx) + " " + (z * oy + ty) + ")");
    if (labels) { labels.setAttribute("font-size", labelPx / k); }
    for (var i = 0; i < siteMarks.length; i++) { siteMarks[i].setAttribute("r", markPx / k); }
    var len = niceFloor(110 / k), w = len * k;
    document.getElementById("sb-a").setAttribute("width", w / 2);
    var b = document.getElementById("sb-b");
    b.setAttribute("x", w / 2);
    b.setAttribute("width", w / 2);
    var t = document.getElementById("sb-t");
    t.setAttribute("x", w);
    t.textContent = metres(len);
    svg.querySelector(".sb-bg").setAttribute("width", w + 40);
  }
  function toSvg(clientX, clientY) {
    var pt = svg.createSVGPoint();
    pt.x = clientX; pt.y = clientY;
    return pt.matrixTransform(svg.getScreenCTM().inverse());
  }
  function zoomAt(p, f) {
    var nz = Math.min(Math.max(z * f, 0.5), 400);
    f = nz / z;
    tx = p.x - (p.x - tx) * f;
    ty = p.y - (p.y - ty) * f;
    z = nz;
    apply();
  }
  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    zoomAt(toSvg(e.clientX, e.clientY), Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)));
  }, { passive: false });
  var drag = null;
  // A press on a switchable site is a click on it, not the start of a pan.
  function onSite(e) { return e.target.closest && e.target.closest("[data-site-id]"); }
  svg.addEventListener("pointerdown", function (e) {
    if (onSite(e)) { return; }
    drag = { p: toSvg(e.clientX, e.clientY), tx: tx, ty: ty, x: e.clientX, y: e.clientY, target: e.target };
    svg.setPointerCapture(e.pointerId);
    svg.classList.add("dragging");
  });
  svg.addEventListener("pointermove", function (e) {
    if (!drag) { return; }
    var p = toSvg(e.clientX, e.clientY);
    tx = drag.tx + p.x - drag.p.x;
    ty = drag.ty + p.y - drag.p.y;
    apply();
  });
  function end() { drag = null; svg.classList.remove("dragging"); }
  // A tap (a press that did not move) on a mark shows what its hover title says: phones have
  // no hover.
  var tip = document.createElement("div");
  tip.className = "map-tip";
  tip.hidden = true;
  svg.parentNode.appendChild(tip);
  function tap(e) {
    if (!drag || Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) > 6) { return; }
    var t = drag.target && drag.target.querySelector ? drag.target.querySelector("title") : null;
    tip.hidden = !t;
    if (t) { tip.textContent = t.textContent; }
  }
  svg.addEventListener("pointerup", function (e) { tap(e); end(); });
  svg.addEventListener("pointercancel", end);
  svg.addEventListener("dblclick", function (e) { if (onSite(e)) { return; } zoomAt(toSvg(e.clientX, e.clientY), 2); });
  document.querySelectorAll("[data-zoom]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var vb = svg.viewBox.baseVal, mid = { x: vb.width / 2, y: vb.height / 2 };
      var what = btn.getAttribute("data-zoom");
      if (what === "reset") { z = 1; tx = 0; ty = 0; apply(); }
      else { zoomAt(mid, what === "in" ? 1.6 : 1 / 1.6); }
    });
  });
}());
