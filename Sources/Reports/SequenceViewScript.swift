/// The sequence view's script: draws the SVG from the embedded JSON (`SequenceViewModel`) for the
/// visible time range only, redrawn on zoom and pan, and fills the detail panel on a click.
///
/// Text from the capture reaches the page only through `textContent` and `setAttribute`, never
/// as markup. Statements are drawn one by one while few are visible, as a density histogram
/// otherwise, so the 2 GB benchmark's 125,000 statements stay responsive. (No `{{` in here: the
/// text is a Mustache partial.)
enum SequenceViewScript {
    static let source = #"""
(function () {
"use strict";
var NS = "http://www.w3.org/2000/svg";
var data = JSON.parse(document.getElementById("glancetrace-view").textContent);
var svg = document.getElementById("sequence");
var box = document.getElementById("sequence-box");
var sql = data.sql, strings = data.strings, requests = data.requests, parties = data.parties, images = data.images;
var LEFT = 230, RIGHT = 16, AXIS = 34, LANE = 36, TRACK = 16, IMAGE_ROW = 22, MAX_MARKS = 2500;
var state = { t0: 0, t1: Math.max(data.span, 1), image: null, selected: null };
var byIndex = {};
requests.forEach(function (r) { byIndex[r.i] = r; });
// Requests that overlap on one server lane get tracks (rows) of their own, as concurrent
// uploads do; a lane is as tall as its tracks need.
var tracks = parties.map(function () { return []; }), trackOf = {};
requests.slice().sort(function (a, b) { return a.t - b.t; }).forEach(function (r) {
  var ends = tracks[r.to], n = 0;
  while (n < ends.length && ends[n] > r.t) n++;
  ends[n] = r.t + Math.max(r.d, 1);
  trackOf[r.i] = n;
});
var laneTops = [], laneHeights = [], lanesHeight = 0;
parties.forEach(function (p, i) {
  laneTops.push(lanesHeight);
  laneHeights.push(Math.max(LANE, tracks[i].length * TRACK + 10));
  lanesHeight += laneHeights[i];
});
var maxSqlDuration = 0;
for (var k = 0; k < sql.d.length; k++) if (sql.d[k] > maxSqlDuration) maxSqlDuration = sql.d[k];

function el(name, attrs, parent) {
  var e = document.createElementNS(NS, name);
  for (var key in attrs) if (Object.prototype.hasOwnProperty.call(attrs, key)) e.setAttribute(key, String(attrs[key]));
  if (parent) parent.appendChild(e);
  return e;
}
function label(parent, x, y, text, cls) { var t = el("text", { x: x, y: y, "class": cls }, parent); t.textContent = text; return t; }
function tip(node, text) { var t = el("title", {}, node); t.textContent = text; }
function pad(n, width) { var s = String(n); while (s.length < width) s = "0" + s; return s; }
function clock(micros) {
  var day = 86400000000, t = ((data.originDayMicros + micros) % day + day) % day;
  var us = t % 1000000, s = Math.floor(t / 1000000);
  return pad(Math.floor(s / 3600), 2) + ":" + pad(Math.floor(s / 60) % 60, 2) + ":" + pad(s % 60, 2) + "." + pad(us, 6);
}
function ms(micros) { return (micros / 1000).toFixed(3); }
function plotWidth() { return Math.max(200, box.clientWidth - LEFT - RIGHT); }
function xOf(t) { return LEFT + (t - state.t0) / (state.t1 - state.t0) * plotWidth(); }
function tOf(x) { return state.t0 + (x - LEFT) / plotWidth() * (state.t1 - state.t0); }
function visibleImages() { return images.map(function (img, k) { return k; }).filter(function (k) { return state.image === null || state.image === k; }); }
function laneTop(p) { return AXIS + visibleImages().length * IMAGE_ROW + laneTops[p]; }
function laneMid(p) { return laneTop(p) + laneHeights[p] / 2; }
function trackTop(r) { return laneTop(r.to) + 5 + trackOf[r.i] * TRACK; }
function shown(r) {
  if (state.image === null) return true;
  var img = images[state.image];
  // The image's own requests, their proxy legs and the calls made for them (a token validation,
  // glance_store's Swift calls, Swift's own validation of glance_store's token), however deep.
  for (var depth = 0; r && depth < 8; depth++) {
    if (img.requests.indexOf(r.i) >= 0) return true;
    var parent = r.causedBy !== null ? r.causedBy : r.legOf;
    if (parent === null) return false;
    r = byIndex[parent];
  }
  return false;
}
function serviceClass(service) { return ["keystone", "glance", "swift"].indexOf(service) >= 0 ? "svc-" + service : "svc-other"; }

function niceStep(span, pixels) {
  var raw = span / Math.max(1, pixels / 110), unit = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10));
  var steps = [1, 2, 5, 10];
  for (var i = 0; i < steps.length; i++) if (unit * steps[i] >= raw) return unit * steps[i];
  return unit * 10;
}

function render() {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  var width = box.clientWidth, imgs = visibleImages();
  var height = AXIS + imgs.length * IMAGE_ROW + lanesHeight + 8;
  svg.setAttribute("width", width); svg.setAttribute("height", height);
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  var defs = el("defs", {}, svg);
  var clip = el("clipPath", { id: "plot-clip" }, defs);
  el("rect", { x: LEFT, y: 0, width: plotWidth(), height: height }, clip);
  var marker = el("marker", { id: "arrowhead", viewBox: "0 0 6 6", refX: 6, refY: 3, markerWidth: 6, markerHeight: 6, orient: "auto" }, defs);
  el("path", { d: "M0,0 L6,3 L0,6 z", fill: "#555" }, marker);

  var lanes = el("g", { "class": "lanes" }, svg);
  parties.forEach(function (p, i) {
    var g = el("g", { "class": "lane", "data-party": i, "data-kind": p.kind, "data-endpoint": p.endpoint }, lanes);
    el("rect", { "class": "lane-bg" + (i % 2 ? " odd" : ""), x: 0, y: laneTop(i), width: width, height: laneHeights[i] }, g);
    label(g, 6, laneTop(i) + 15, p.label, "lane-label");
    label(g, 6, laneTop(i) + 28, p.kind, "lane-kind");
  });

  var axis = el("g", { "class": "axis" }, svg), span = state.t1 - state.t0, step = niceStep(span, plotWidth());
  for (var t = Math.ceil(state.t0 / step) * step; t <= state.t1; t += step) {
    var x = xOf(t);
    el("line", { x1: x, x2: x, y1: AXIS - 6, y2: height }, axis);
    label(axis, x + 2, AXIS - 20, clock(t).slice(0, step >= 1000000 ? 8 : step >= 1000 ? 12 : 15), "");
    label(axis, x + 2, AXIS - 8, "+" + (t / 1000000).toFixed(step >= 1000000 ? 0 : step >= 1000 ? 3 : 6) + " s", "");
  }

  var plot = el("g", { "clip-path": "url(#plot-clip)" }, svg);
  var statusRows = el("g", { "class": "image-status-rows" }, svg);
  imgs.forEach(function (k, row) {
    var img = images[k], y = AXIS + row * IMAGE_ROW + 2;
    var name = label(statusRows, 6, y + 14, "image " + (img.name || img.id || "?"), "image-label");
    name.setAttribute("data-image", k);
    name.addEventListener("click", function () { filterImage(state.image === k ? null : k); });
    var g = el("g", { "class": "image-status", "data-image": k, "clip-path": "url(#plot-clip)" }, statusRows);
    img.transitions.forEach(function (tr, j) {
      var end = j + 1 < img.transitions.length ? img.transitions[j + 1].t : data.span;
      var x0 = xOf(tr.t), x1 = Math.max(xOf(end), x0 + 2);
      var seg = el("rect", { "class": "status-segment status-" + tr.status, x: x0, y: y, width: x1 - x0, height: IMAGE_ROW - 4,
        "data-image": k, "data-status": tr.status, "data-t": tr.t, "data-time": tr.time }, g);
      tip(seg, tr.status + " from " + clock(tr.t) + " (" + tr.source + ")" + (tr.request !== null ? ", request #" + tr.request : ""));
      if (x1 - x0 > 60) label(g, Math.max(x0, LEFT) + 4, y + 13, tr.status, "segment-label");
    });
  });

  drawStatements(plot);
  var arrows = el("g", { "class": "arrows" }, plot), bars = el("g", { "class": "requests" }, plot);
  requests.forEach(function (r) {
    if (!shown(r) || r.t > state.t1 || r.t + r.d < state.t0) return;
    var x0 = xOf(r.t), x1 = Math.max(xOf(r.t + r.d), x0 + 2), top = trackTop(r), leg = r.legOf !== null;
    var cls = (leg ? "leg-bar leg " : "request-bar ") + serviceClass(r.service) + (r.inferred ? " inferred" : "") +
      (r.anomalous ? " anomalous" : "") + (state.selected === r.i ? " selected" : "");
    if (r.from !== r.to) {
      var hop = (leg || parties[r.from].kind === "proxy" || parties[r.to].kind === "proxy") ? " proxy-hop" : "";
      var inf = r.inferred ? " inferred" : "", down = laneMid(r.from) < top;
      el("line", { "class": "arrow" + hop + inf, x1: x0, y1: laneMid(r.from), x2: x0, y2: down ? top : top + TRACK - 4, "marker-end": "url(#arrowhead)" }, arrows);
      el("line", { "class": "arrow response" + hop + inf, x1: x1, y1: down ? top : top + TRACK - 4, x2: x1, y2: laneMid(r.from) }, arrows);
    }
    var bar = el("rect", { "class": cls, x: x0, y: leg ? top + 3 : top, width: x1 - x0, height: leg ? TRACK - 10 : TRACK - 4,
      "data-index": r.i, "data-from": r.from, "data-to": r.to }, bars);
    tip(bar, (r.method || "?") + " " + (r.path || "?") + " \u2192 " + (r.status === null ? "no response" : r.status) +
      " (" + r.service + " " + r.operation + ", " + ms(r.d) + " ms, " + r.sql.length + " SQL)" + (r.inferred ? ", inferred" : ""));
    bar.addEventListener("click", function (event) { event.stopPropagation(); if (!dragged) select(r.i); });
  });

  var marks = el("g", { "class": "anomalies" }, plot);
  data.anomalies.forEach(function (a) {
    if (a.t < state.t0 || a.t > state.t1) return;
    var x = xOf(a.t), m = el("path", { "class": "anomaly-mark", d: "M" + x + "," + (AXIS - 4) + " l-5,-8 h10 z", "data-t": a.t }, marks);
    tip(m, clock(a.t) + " " + a.kind + ": " + a.message);
  });
  document.getElementById("view-range").textContent = clock(state.t0) + " \u2013 " + clock(state.t1) + " (" + ms(state.t1 - state.t0) + " ms)";
}

function lowerBound(array, value) {
  var lo = 0, hi = array.length;
  while (lo < hi) { var mid = (lo + hi) >> 1; if (array[mid] < value) lo = mid + 1; else hi = mid; }
  return lo;
}

function drawStatements(plot) {
  var g = el("g", { "class": "statements" }, plot);
  var first = lowerBound(sql.t, state.t0 - maxSqlDuration), last = lowerBound(sql.t, state.t1 + 1);
  var visible = [];
  for (var j = first; j < last; j++) {
    if (sql.t[j] + sql.d[j] < state.t0) continue;
    var owner = sql.request[j] >= 0 ? byIndex[sql.request[j]] : null;
    if (state.image !== null && !(owner && shown(owner))) continue;
    visible.push(j);
  }
  var selected = state.selected !== null ? byIndex[state.selected] : null;
  var highlighted = {};
  if (selected) selected.sql.forEach(function (j) { highlighted[j] = true; });
  if (visible.length > MAX_MARKS) {
    var bins = {}, binWidth = 3;
    visible.forEach(function (j) {
      if (highlighted[j]) return;
      var key = sql.lane[j] + ":" + Math.floor((xOf(sql.t[j]) - LEFT) / binWidth);
      bins[key] = (bins[key] || 0) + 1;
    });
    Object.keys(bins).forEach(function (key) {
      var parts = key.split(":"), lane = +parts[0], x = LEFT + (+parts[1]) * binWidth, n = bins[key];
      var h = Math.min(laneHeights[lane] - 8, 4 + Math.log(n + 1) / Math.LN2 * 3);
      var r = el("rect", { "class": "sql-density", x: x, y: laneTop(lane) + laneHeights[lane] - 4 - h, width: binWidth, height: h, "data-count": n }, g);
      tip(r, n + " statements from " + clock(tOf(x)));
    });
    visible = visible.filter(function (j) { return highlighted[j]; });
  }
  visible.forEach(function (j) {
    var owner = sql.request[j] >= 0 ? byIndex[sql.request[j]] : null;
    var x0 = xOf(sql.t[j]), x1 = Math.max(xOf(sql.t[j] + sql.d[j]), x0 + 1.5);
    var cls = "sql-mark" + (owner ? " sql-" + owner.service : "") + (sql.error[j] ? " error" : "") + (highlighted[j] ? " highlight" : "");
    var m = el("rect", { "class": cls, x: x0, y: laneTop(sql.lane[j]) + 8, width: x1 - x0, height: laneHeights[sql.lane[j]] - 16, "data-sql": j }, g);
    tip(m, clock(sql.t[j]) + " " + ms(sql.d[j]) + " ms: " + strings[sql.text[j]].slice(0, 300) + " \u2192 " + strings[sql.result[j]]);
    if (owner) m.addEventListener("click", function (event) { event.stopPropagation(); if (!dragged) select(owner.i); });
  });
}

function fact(list, name, value) {
  if (value === null || value === undefined || value === "") return;
  var dt = document.createElement("dt"), dd = document.createElement("dd");
  dt.textContent = name; dd.textContent = String(value);
  list.appendChild(dt); list.appendChild(dd);
}

function select(index) {
  var r = byIndex[index];
  if (!r) return;
  state.selected = index;
  var panel = document.getElementById("detail");
  panel.hidden = false;
  document.getElementById("detail-title").textContent = (r.method || "?") + " " + (r.path || "?") + " \u2192 " + (r.status === null ? "no response" : r.status);
  var facts = document.getElementById("detail-facts");
  while (facts.firstChild) facts.removeChild(facts.firstChild);
  fact(facts, "request", "#" + r.i);
  fact(facts, "call", r.service + " " + r.operation);
  fact(facts, "from", r.client + " (" + parties[r.from].label + ")");
  fact(facts, "to", r.server + " (" + parties[r.to].label + ")");
  fact(facts, "started", clock(r.t));
  fact(facts, "duration", ms(r.d) + " ms");
  fact(facts, "request id", r.requestId);
  fact(facts, "bytes", r.requestBytes + " request body, " + r.responseBytes + " response");
  if (r.image !== null) fact(facts, "image", images[r.image].name || images[r.image].id);
  if (r.tls) fact(facts, "TLS", "decrypted");
  if (r.inferred) fact(facts, "inferred", "seen only as encrypted records: method, path and status are inferred");
  if (r.legOf !== null) fact(facts, "proxy leg of", "#" + r.legOf);
  if (r.causedBy !== null) fact(facts, "made during", "#" + r.causedBy);
  r.notes.forEach(function (note) { fact(facts, "note", note); });
  document.getElementById("detail-request").textContent = r.request === null ? "(not in the capture)" : r.request;
  document.getElementById("detail-response").textContent = r.response === null ? "(not in the capture)" : r.response;
  document.getElementById("detail-sql-title").textContent = r.sql.length + " SQL statement" + (r.sql.length === 1 ? "" : "s")
    + (r.maybe.length ? ", and " + r.maybe.length + " that may be this request's or another's" : "");
  var body = document.querySelector("#detail-sql tbody");
  while (body.firstChild) body.removeChild(body.firstChild);
  r.sql.forEach(function (j) {
    var tr = document.createElement("tr");
    tr.className = "sql-row" + (sql.error[j] ? " error" : "");
    tr.setAttribute("data-sql", j);
    [ms(sql.t[j] - r.t), ms(sql.d[j]), strings[sql.text[j]], strings[sql.result[j]],
     sql.conf[j] === 1 ? "likely" : "certain"].forEach(function (value, c) {
      var td = document.createElement("td");
      td.textContent = value;
      if (c === 2) td.className = "sql-text";
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  // Statements the attribution could not give to one request, this one among them.
  r.maybe.forEach(function (j) {
    var tr = document.createElement("tr");
    tr.className = "sql-maybe";
    tr.setAttribute("data-sql", j);
    [ms(sql.t[j] - r.t), ms(sql.d[j]), strings[sql.text[j]], strings[sql.result[j]],
     "ambiguous: one of " + sql.conf[j] + " requests"].forEach(function (value) {
      var td = document.createElement("td");
      td.textContent = value;
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  render();
}

function filterImage(k) {
  state.image = k;
  var banner = document.getElementById("filter-banner");
  banner.hidden = k === null;
  if (k !== null) {
    document.getElementById("filter-name").textContent = images[k].name || images[k].id || "?";
    var first = Infinity, last = -Infinity;
    images[k].requests.forEach(function (i) { var r = byIndex[i]; if (r) { first = Math.min(first, r.t); last = Math.max(last, r.t + r.d); } });
    images[k].transitions.forEach(function (t) { first = Math.min(first, t.t); last = Math.max(last, t.t); });
    if (first < last) { var m = (last - first) * 0.05 + 1; state.t0 = first - m; state.t1 = last + m; }
  }
  render();
}

function zoom(factor, around) {
  var t = around === undefined ? (state.t0 + state.t1) / 2 : around;
  var span = Math.max(10, (state.t1 - state.t0) * factor);
  var left = (t - state.t0) / (state.t1 - state.t0);
  state.t0 = t - span * left; state.t1 = state.t0 + span;
  schedule();
}
var pending = false;
function schedule() { if (!pending) { pending = true; window.requestAnimationFrame(function () { pending = false; render(); }); } }

document.getElementById("zoom-fit").addEventListener("click", function () { state.t0 = 0; state.t1 = Math.max(data.span, 1); schedule(); });
document.getElementById("zoom-in").addEventListener("click", function () { zoom(0.5); });
document.getElementById("zoom-out").addEventListener("click", function () { zoom(2); });
document.getElementById("filter-clear").addEventListener("click", function () { filterImage(null); });
Array.prototype.forEach.call(document.querySelectorAll(".image-filter"), function (a) {
  a.addEventListener("click", function () { filterImage(+a.getAttribute("data-image")); });
});
Array.prototype.forEach.call(document.querySelectorAll(".request-link"), function (a) {
  a.addEventListener("click", function () { select(+a.getAttribute("data-request")); });
});
box.addEventListener("wheel", function (event) {
  event.preventDefault();
  var rect = svg.getBoundingClientRect();
  zoom(Math.pow(1.2, event.deltaY / 100), tOf(event.clientX - rect.left));
}, { passive: false });
// A drag pans; the click that ends it selects nothing.
var drag = null, dragged = false;
box.addEventListener("pointerdown", function (event) {
  if (event.button !== 0) return;
  drag = { x: event.clientX, t0: state.t0, t1: state.t1, moved: false };
  dragged = false;
});
window.addEventListener("pointermove", function (event) {
  if (!drag) return;
  var dx = event.clientX - drag.x;
  if (Math.abs(dx) > 3) { drag.moved = true; dragged = true; box.classList.add("dragging"); }
  if (!drag.moved) return;
  var dt = dx / plotWidth() * (drag.t1 - drag.t0);
  state.t0 = drag.t0 - dt; state.t1 = drag.t1 - dt;
  schedule();
});
window.addEventListener("pointerup", function () { drag = null; box.classList.remove("dragging"); });
document.addEventListener("keydown", function (event) {
  if (event.target && /INPUT|TEXTAREA|BUTTON/.test(event.target.tagName)) return;
  if (event.key === "+" || event.key === "=") zoom(0.5);
  else if (event.key === "-") zoom(2);
  else if (event.key === "0") { state.t0 = 0; state.t1 = Math.max(data.span, 1); schedule(); }
});
window.addEventListener("resize", schedule);
// Links into the page: #request=N opens request N, #image=K shows only image K's calls.
function follow() {
  var match = /^#(request|image)=(\d+)$/.exec(window.location.hash);
  if (!match) return false;
  if (match[1] === "image" && +match[2] < images.length) filterImage(+match[2]);
  else if (match[1] === "request" && byIndex[+match[2]]) select(+match[2]);
  else return false;
  return true;
}
window.addEventListener("hashchange", follow);
if (!follow()) render();
window.glancetraceView = { data: data, select: select, filterImage: filterImage, render: render, state: state };
})();
"""#
}
