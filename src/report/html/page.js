// The report page: draws the report's JSON (sweep report --format json,
// inlined by src/report/html_writer.cpp) as tables and hand-written SVG.
// Plain JS, no library: the page must open offline, years later, and a
// few hundred lines of SVG need no framework. It computes no statistic:
// every mean, interval, eta squared and rate is the report's own.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const DATA = JSON.parse(document.getElementById("sweep-data").textContent);

// ---------------------------------------------------------------- helpers

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === "text") e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

// An <svg> with a title and description screen readers announce.
function figure(width, height, title, desc) {
  const id = "f" + Math.random().toString(36).slice(2, 9);
  const s = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
    "aria-labelledby": id + "t " + id + "d",
  });
  s.append(svg("title", { id: id + "t", text: title }));
  s.append(svg("desc", { id: id + "d", text: desc || title }));
  return s;
}

// A number as sweep's text report shows it: 4 significant digits.
function fmt(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  if (typeof x !== "number") return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-4) return x.toPrecision(4).replace(/\.?0+e/, "e");
  return String(Number(x.toPrecision(4)));
}
// Two significant digits: an interval's width is itself uncertain.
function fmt2(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  return String(Number(x.toPrecision(2)));
}
function plural(n, word) { return `${n} ${word}${n === 1 ? "" : "s"}`; }
function text(v) { return typeof v === "string" ? v : JSON.stringify(v); }
function duration(s) {
  if (s === null || s === undefined) return "unknown";
  if (s < 60) return fmt(s) + " s";
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

// Viridis (matplotlib's), 9 stops: readable with every common colour
// blindness and in greyscale.
const VIRIDIS = ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c",
  "#28ae80", "#5ec962", "#addc30", "#fde725"];
function viridis(t) {
  t = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(t)), f = t - i;
  const a = VIRIDIS[i], b = VIRIDIS[i + 1];
  const ch = (h, k) => parseInt(h.slice(1 + 2 * k, 3 + 2 * k), 16);
  const mix = [0, 1, 2].map((k) => Math.round(ch(a, k) + (ch(b, k) - ch(a, k)) * f));
  return `rgb(${mix.join(",")})`;
}
// Okabe and Ito's palette, for runs side by side.
const RUN_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"];

const tooltip = document.getElementById("tooltip");
function hoverText(node, textOf) {
  node.addEventListener("pointerenter", () => { tooltip.textContent = textOf(); tooltip.hidden = false; });
  node.addEventListener("pointermove", (e) => {
    tooltip.style.left = Math.min(e.clientX + 12, window.innerWidth - 530) + "px";
    tooltip.style.top = (e.clientY + 14) + "px";
  });
  node.addEventListener("pointerleave", () => { tooltip.hidden = true; });
}

// ------------------------------------------------------------------ scales

// The axis of a parameter or metric over the groups' values: categorical
// for strings and booleans, logarithmic for positive numbers spanning two
// decades or more, else linear. Maps a value to 0..1 (0 at the bottom).
function makeScale(values, order) {
  const present = values.filter((v) => v !== null && v !== undefined);
  const numeric = present.length > 0 && present.every((v) => typeof v === "number");
  if (!numeric) {
    const cats = [];
    for (const v of order || []) if (!cats.includes(text(v))) cats.push(text(v));
    for (const v of present) if (!cats.includes(text(v))) cats.push(text(v));
    const at = (v) => cats.length < 2 ? 0.5 : cats.indexOf(text(v)) / (cats.length - 1);
    return { kind: "category", at, ticks: cats.map((c) => [at(c), c]), cats };
  }
  let lo = Math.min(...present), hi = Math.max(...present);
  const log = lo > 0 && hi / lo >= 100;
  if (lo === hi) { lo -= 1; hi += 1; }
  const f = log ? Math.log10 : (x) => x;
  const a = f(lo), b = f(hi);
  const at = (v) => (typeof v === "number" ? (f(v) - a) / (b - a) : NaN);
  return { kind: log ? "log" : "linear", at, ticks: numericTicks(lo, hi, log).map((t) => [at(t), fmt(t)]), lo, hi };
}

function numericTicks(lo, hi, log) {
  if (log) {
    const out = [];
    for (let e = Math.ceil(Math.log10(lo)); e <= Math.floor(Math.log10(hi)); ++e) out.push(10 ** e);
    if (out.length < 2) out.push(lo, hi);
    return out;
  }
  const span = hi - lo, raw = span / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= 6);
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

// -------------------------------------------------------------- the model

// One report's view: its groups with their params, the primary metric, and
// the filters the page applies (brushes, top-k%, text).
function model(report) {
  const metric = report.metrics[0] || null;
  const params = [];
  for (const g of report.groups) for (const p of Object.keys(g.params)) if (!params.includes(p)) params.push(p);
  const groups = report.groups.map((g, rank) => {
    const s = metric ? g.metrics[metric.name] : null;
    return { g, rank, mean: s && s.n > 0 ? s.mean : null, s };
  });
  return { report, metric, params, groups, brushes: new Map(), topk: 100, filter: "" };
}

function goalText(m) { return m ? (m.goal ? `${m.name}:${m.goal}` : m.name) : "none"; }

// Which groups pass every filter: brushed ranges, the best k% and the text.
function visible(m) {
  const keep = Math.max(1, Math.ceil(m.groups.length * m.topk / 100));
  const words = m.filter.toLowerCase().split(/\s+/).filter(Boolean);
  return m.groups.map((x) => {
    if (x.rank >= keep) return false;
    for (const [axis, [lo, hi]] of m.brushes) {
      const t = axis.position(x);
      if (!(t >= lo && t <= hi)) return false;
    }
    if (words.length) {
      const hay = Object.entries(x.g.params).map(([k, v]) => `${k}=${text(v)}`).join(" ").toLowerCase();
      if (!words.every((w) => hay.includes(w))) return false;
    }
    return true;
  });
}

// ------------------------------------------------------------------ header

function header(report, label) {
  const info = DATA.info || {};
  const t = report.totals || {};
  const facts = document.getElementById("facts");
  facts.replaceChildren();
  const add = (k, v) => facts.append(el("dt", { text: k }), el("dd", { text: v }));
  add("Inputs", (info.inputs || []).join(", ") || "–");
  add("Written", (info.date || "").replace("T", " ").replace(/\.\d+Z$/, " UTC"));
  if (label) add("Run", label);
  add("Points", info.points !== null && info.points !== undefined ? String(info.points) : "–");
  add("Groups", `${report.groups.length} shown of ${t.groups}`);
  add("Jobs", String(t.jobs));
  add("Succeeded / failed", `${t.succeeded} / ${t.failed}`);
  add("Wall time", duration(info.wall_s));
  add("Metric", goalText(report.metrics[0]));
  add("Intervals", `${Math.round(report.ci * 1000) / 10}% CI (Student t)`);
  add("Records", String(t.records));
  document.getElementById("footer").textContent =
    `Written by sweep ${info.version || ""} from its report's JSON (sweep report --format json); ` +
    "no statistic is computed in this page.";
}

// ---------------------------------------------------- parallel coordinates

const PC = { w: 1240, h: 440, top: 56, bottom: 36, left: 70, right: 110 };

function pcAxes(m) {
  const axes = m.params.map((p) => {
    const marg = (m.report.marginals || []).find((x) => x.param === p);
    const scale = makeScale(m.groups.map((x) => x.g.params[p]), marg && marg.values.map((v) => v.value));
    return { name: p, label: p + (scale.kind === "log" ? " (log)" : ""), scale, value: (x) => x.g.params[p] };
  });
  if (m.metric) {
    const scale = makeScale(m.groups.map((x) => x.mean));
    const goal = m.metric.goal ? `, ${m.metric.goal} is best` : "";
    axes.push({ name: m.metric.name, label: `${m.metric.name} (mean${goal})`, scale, value: (x) => x.mean, metric: true });
  }
  const span = PC.w - PC.left - PC.right;
  axes.forEach((a, i) => {
    a.x = PC.left + (axes.length < 2 ? span / 2 : (span * i) / (axes.length - 1));
    a.position = (x) => { const v = a.value(x); return v === null || v === undefined ? NaN : a.scale.at(v); };
  });
  return axes;
}

const pcY = (t) => PC.top + (1 - t) * (PC.h - PC.top - PC.bottom);

function pcLinePath(axes, x) {
  let d = "", pen = false;
  for (const a of axes) {
    const t = a.position(x);
    if (Number.isNaN(t)) { pen = false; continue; }
    d += `${pen ? "L" : "M"}${a.x.toFixed(1)},${pcY(t).toFixed(1)}`;
    pen = true;
  }
  return d;
}

function pcAxis(m, a, root, update) {
  const g = svg("g", { class: "axis", "data-axis": a.name });
  const y0 = pcY(0), y1 = pcY(1);
  g.append(svg("line", { x1: a.x, x2: a.x, y1: y0, y2: y1 }));
  g.append(svg("text", { x: a.x, y: PC.top - 22, "text-anchor": "middle", class: "title", text: a.label }));
  for (const [t, label] of a.scale.ticks) {
    if (!(t >= 0 && t <= 1)) continue;
    g.append(svg("line", { x1: a.x - 4, x2: a.x, y1: pcY(t), y2: pcY(t) }));
    g.append(svg("text", { x: a.x - 7, y: pcY(t) + 4, "text-anchor": "end", class: "tick", text: label }));
  }
  const brush = svg("rect", { class: "brush", x: a.x - 9, width: 18, y: 0, height: 0, visibility: "hidden" });
  const area = svg("rect", {
    class: "brush-area", x: a.x - 14, width: 28, y: y1 - 6, height: y0 - y1 + 12,
    "data-axis": a.name,
  });
  area.append(svg("title", { text: `Drag to keep a range of ${a.name}` }));
  g.append(brush, area);
  const toY = (e) => {
    const p = root.createSVGPoint(); p.x = e.clientX; p.y = e.clientY;
    return Math.min(y0, Math.max(y1, p.matrixTransform(root.getScreenCTM().inverse()).y));
  };
  const tOf = (y) => 1 - (y - PC.top) / (PC.h - PC.top - PC.bottom);
  let start = null;
  const show = (ya, yb) => {
    brush.setAttribute("y", Math.min(ya, yb)); brush.setAttribute("height", Math.abs(yb - ya));
    brush.setAttribute("visibility", "visible");
  };
  area.addEventListener("pointerdown", (e) => { start = toY(e); area.setPointerCapture(e.pointerId); e.preventDefault(); });
  area.addEventListener("pointermove", (e) => { if (start !== null) show(start, toY(e)); });
  area.addEventListener("pointerup", (e) => {
    if (start === null) return;
    const end = toY(e);
    if (Math.abs(end - start) < 3) { m.brushes.delete(a); brush.setAttribute("visibility", "hidden"); }
    else { show(start, end); m.brushes.set(a, [tOf(Math.max(start, end)), tOf(Math.min(start, end))]); }
    start = null;
    update();
  });
  a.clear = () => brush.setAttribute("visibility", "hidden");
  return g;
}

function pcLegend(m, root) {
  if (!m.metric) return;
  const x = PC.w - PC.right + 40, h = PC.h - PC.top - PC.bottom;
  const defs = svg("defs");
  const grad = svg("linearGradient", { id: "pc-grad", x1: 0, x2: 0, y1: 1, y2: 0 });
  VIRIDIS.forEach((c, i) => grad.append(svg("stop", { offset: i / (VIRIDIS.length - 1), "stop-color": c })));
  defs.append(grad);
  const scale = makeScale(m.groups.map((g) => g.mean));
  root.append(defs,
    svg("rect", { x, y: PC.top, width: 14, height: h, fill: "url(#pc-grad)" }),
    svg("text", { x: x + 18, y: PC.top + 10, class: "tick", text: fmt(scale.hi) }),
    svg("text", { x: x + 18, y: PC.top + h, class: "tick", text: fmt(scale.lo) }),
    svg("text", { x: x + 7, y: PC.top - 8, "text-anchor": "middle", class: "tick", text: "colour" }));
}

function parallelCoordinates(m, update) {
  const host = document.getElementById("pc");
  const axes = pcAxes(m);
  m.axes = axes;
  const title = `Parallel coordinates: ${m.groups.length} groups over ${m.params.length} parameters` +
    (m.metric ? ` and ${m.metric.name}` : "");
  const root = figure(PC.w, PC.h, title, "Each line is a group; each vertical axis a parameter, the last the primary metric's mean.");
  root.append(svg("text", { x: 4, y: 16, class: "title", text: title }));
  const metricAxis = axes.find((a) => a.metric);
  const lines = svg("g", { class: "lines" });
  // The best last, so they are drawn on top.
  for (const x of [...m.groups].reverse()) {
    const t = metricAxis ? metricAxis.position(x) : NaN;
    const path = svg("path", {
      class: "pc-line" + (Number.isNaN(t) ? " nometric" : ""), d: pcLinePath(axes, x),
      stroke: Number.isNaN(t) ? null : viridis(t), "data-group": x.rank,
    });
    hoverText(path, () => groupText(m, x));
    x.line = path;
    lines.append(path);
  }
  root.append(lines);
  for (const a of axes) root.append(pcAxis(m, a, root, update));
  pcLegend(m, root);
  host.replaceChildren(root);
}

function groupText(m, x) {
  const p = Object.entries(x.g.params).map(([k, v]) => `${k}=${text(v)}`).join(" ");
  if (!m.metric) return p;
  const s = x.s;
  const rung = x.g.rung !== undefined ? `, rung ${x.g.rung}` : "";
  return `#${x.rank + 1} ${p}\n${m.metric.name} ${meanCi(s)} (n=${s ? s.n : 0}), ${x.g.runs} runs, ${x.g.failed} failed${rung}`;
}

function meanCi(s) {
  if (!s || s.n === 0) return "–";
  if (s.n < 2 || s.ci_low === null) return fmt(s.mean);
  return `${fmt(s.mean)} ± ${fmt2((s.ci_high - s.ci_low) / 2)}`;
}

// ------------------------------------------------------------------- table

function tieMarker(x, hasGoal) {
  const t = x.g.tie_best;
  if (!hasGoal || t === null || t === undefined) return el("span", { text: "" });
  if (x.rank === 0) return el("span", { class: "marker best", text: "best" });
  const p = x.g.p !== undefined ? ` (p=${fmt2(x.g.p)})` : "";
  return t ? el("span", { class: "marker tie", text: "tie" + p, title: "not significantly worse than the best (Welch's t-test)" })
    : el("span", { class: "marker worse", text: "worse" + p });
}

// The table's columns: a header, a cell, and the key it sorts by.
function tableColumns(m) {
  const hasGoal = !!(m.metric && m.metric.goal);
  const cols = [{ head: "#", num: true, key: (x) => x.rank, cell: (x) => String(x.rank + 1) }];
  for (const p of m.params) {
    const numeric = m.groups.every((x) => typeof x.g.params[p] === "number" || x.g.params[p] === undefined);
    cols.push({ head: p, num: numeric, key: (x) => x.g.params[p] ?? "", cell: (x) => x.g.params[p] === undefined ? "" : text(x.g.params[p]) });
  }
  cols.push({ head: "runs", num: true, key: (x) => x.g.runs, cell: (x) => String(x.g.runs) });
  cols.push({ head: "failed", num: true, key: (x) => x.g.failed, cell: (x) => String(x.g.failed) });
  // --halving: the rung each group reached, which ranks before the metric.
  if (m.groups.some((x) => x.g.rung !== undefined))
    cols.push({ head: "rung", num: true, key: (x) => x.g.rung ?? null, cell: (x) => x.g.rung === undefined ? "" : String(x.g.rung) });
  for (const metric of m.report.metrics) {
    const s = (x) => x.g.metrics[metric.name];
    const mean = (x) => (s(x) && s(x).n > 0 ? s(x).mean : null);
    cols.push({ head: `${metric.name} ± CI`, num: true, key: mean, cell: (x) => meanCi(s(x)) });
    cols.push({ head: "sd", num: true, key: (x) => (s(x) ? s(x).sd : null), cell: (x) => fmt(s(x) ? s(x).sd : null) });
    cols.push({ head: "n", num: true, key: (x) => (s(x) ? s(x).n : 0), cell: (x) => String(s(x) ? s(x).n : 0) });
  }
  if (hasGoal) cols.push({ head: "vs best", key: (x) => x.rank, cell: (x) => tieMarker(x, true) });
  return cols;
}

function compareKeys(a, b) {
  const na = a === null || a === undefined || Number.isNaN(a), nb = b === null || b === undefined || Number.isNaN(b);
  if (na || nb) return na === nb ? 0 : na ? 1 : -1;  // missing last
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

function groupsTable(m) {
  const table = document.getElementById("groups");
  const cols = tableColumns(m);
  const order = m.metric && m.metric.goal ? `ranked by ${goalText(m.metric)}` : "in grid order";
  const caption = el("caption", { class: "help", text: `${m.groups.length} groups, ${order}; ± is the ${Math.round(m.report.ci * 1000) / 10}% CI. Highlighted: the best group and those not significantly worse (Welch's t-test).` });
  const headRow = el("tr");
  const tbody = el("tbody");
  const sort = { col: -1, dir: 1 };
  cols.forEach((c, i) => {
    const th = el("th", { scope: "col", class: c.num ? "num" : null, "aria-sort": "none" });
    const b = el("button", { type: "button", text: c.head, "data-col": i, title: `Sort by ${c.head}` });
    b.addEventListener("click", () => {
      sort.dir = sort.col === i ? -sort.dir : 1;
      sort.col = i;
      for (const h of headRow.children) h.setAttribute("aria-sort", "none");
      th.setAttribute("aria-sort", sort.dir > 0 ? "ascending" : "descending");
      const rows = [...m.groups].sort((a, b) => sort.dir * compareKeys(c.key(a), c.key(b)) || a.rank - b.rank);
      for (const x of rows) tbody.append(x.row);
    });
    th.append(b);
    headRow.append(th);
  });
  for (const x of m.groups) {
    const hasGoal = !!(m.metric && m.metric.goal);
    const cls = hasGoal && x.g.tie_best ? (x.rank === 0 ? "best" : "tie") : null;
    const tr = el("tr", { class: cls, "data-group": x.rank });
    for (const c of cols) {
      const v = c.cell(x);
      tr.append(el("td", { class: c.num ? "num" : null }, v));
    }
    x.row = tr;
    tbody.append(tr);
  }
  table.replaceChildren(caption, el("thead", {}, headRow), tbody);
}

// --------------------------------------------------------------- marginals

const SM = { w: 420, h: 230, top: 34, bottom: 44, left: 62, right: 14 };

function marginalPlot(m, marg) {
  const title = `${marg.param}: η² = ${fmt(marg.eta2)}`;
  const root = figure(SM.w, SM.h, `Marginal of ${m.metric.name} by ${marg.param}`,
    `Mean ${m.metric.name} of the groups with each value of ${marg.param}, with its confidence interval. η² = ${fmt(marg.eta2)}.`);
  root.append(svg("text", { x: 4, y: 16, class: "title", text: title }));
  const vals = marg.values;
  const lows = vals.map((v) => v.ci_low ?? v.mean), highs = vals.map((v) => v.ci_high ?? v.mean);
  const lo = Math.min(...lows), hi = Math.max(...highs), pad = (hi - lo) * 0.05;
  const y = makeScale([lo - pad, hi + pad]);
  const py = (v) => SM.top + (1 - y.at(v)) * (SM.h - SM.top - SM.bottom);
  const span = SM.w - SM.left - SM.right;
  const px = (i) => SM.left + span * (i + 0.5) / vals.length;
  const axis = svg("g", { class: "axis" });
  axis.append(svg("line", { x1: SM.left, x2: SM.left, y1: SM.top, y2: SM.h - SM.bottom }));
  axis.append(svg("line", { x1: SM.left, x2: SM.w - SM.right, y1: SM.h - SM.bottom, y2: SM.h - SM.bottom }));
  for (const [t, label] of y.ticks) {
    if (!(t >= 0 && t <= 1)) continue;
    const yy = SM.top + (1 - t) * (SM.h - SM.top - SM.bottom);
    axis.append(svg("text", { x: SM.left - 5, y: yy + 4, "text-anchor": "end", class: "tick", text: label }));
  }
  axis.append(svg("text", { x: 12, y: (SM.top + SM.h - SM.bottom) / 2, transform: `rotate(-90 12 ${(SM.top + SM.h - SM.bottom) / 2})`, "text-anchor": "middle", class: "tick", text: `${m.metric.name} (mean)` }));
  axis.append(svg("text", { x: SM.left + span / 2, y: SM.h - 6, "text-anchor": "middle", class: "tick", text: marg.param }));
  root.append(axis);
  vals.forEach((v, i) => {
    const g = svg("g", { class: "marginal-value" });
    g.append(svg("text", { x: px(i), y: SM.h - SM.bottom + 15, "text-anchor": "middle", class: "tick", text: text(v.value) }));
    if (v.ci_low !== null && v.ci_high !== null) {
      g.append(svg("line", { x1: px(i), x2: px(i), y1: py(v.ci_low), y2: py(v.ci_high), stroke: "#3b528b", "stroke-width": 1.5 }));
      for (const e of [v.ci_low, v.ci_high]) g.append(svg("line", { x1: px(i) - 5, x2: px(i) + 5, y1: py(e), y2: py(e), stroke: "#3b528b", "stroke-width": 1.5 }));
    }
    g.append(svg("circle", { cx: px(i), cy: py(v.mean), r: 4, fill: v.gap === 0 ? "#fde725" : "#21918c", stroke: "#222" }));
    hoverText(g, () => `${marg.param}=${text(v.value)}: mean ${fmt(v.mean)}, CI [${fmt(v.ci_low)}, ${fmt(v.ci_high)}], ${plural(v.groups, "group")}, gap to the best ${fmt(v.gap)}`);
    root.append(g);
  });
  return root;
}

function marginals(m) {
  const host = document.getElementById("marginals");
  const list = m.report.marginals || [];
  host.replaceChildren();
  if (!m.metric || list.length === 0) {
    host.append(el("p", { text: "No parameter with more than one value, or no metric." }));
    return;
  }
  for (const marg of list) host.append(marginalPlot(m, marg));
}

// ----------------------------------------------------------------- curves

const LC = { w: 1000, h: 340, top: 34, bottom: 44, left: 70, right: 260 };

function curves(m) {
  const host = document.getElementById("curves");
  const withCurve = m.groups.filter((x) => x.g.curve && x.g.curve.length);
  host.replaceChildren();
  if (!m.metric || withCurve.length === 0) {
    host.append(el("p", { class: "help", text: "No job printed the primary metric with a step or epoch (`epoch 3 acc=0.9`, or {\"step\": 3, \"acc\": 0.9})." }));
    return;
  }
  const name = m.metric.name;
  const title = `${name} by step: the best ${plural(withCurve.length, "group")}, mean ± sd over replicates`;
  const root = figure(LC.w, LC.h, title, `Learning curves of ${name} against step for the best groups; bands show ± one standard deviation over replicates.`);
  root.append(svg("text", { x: 4, y: 16, class: "title", text: title }));
  const pts = withCurve.flatMap((x) => x.g.curve);
  const xs = makeScale(pts.map((p) => p.step));
  const bandLo = pts.map((p) => (p.sd === null ? p.mean : p.mean - p.sd));
  const bandHi = pts.map((p) => (p.sd === null ? p.mean : p.mean + p.sd));
  const ys = makeScale([Math.min(...bandLo), Math.max(...bandHi)]);
  const plotW = LC.w - LC.left - LC.right, plotH = LC.h - LC.top - LC.bottom;
  const px = (s) => LC.left + xs.at(s) * plotW, py = (v) => LC.top + (1 - ys.at(v)) * plotH;
  const axis = svg("g", { class: "axis" });
  axis.append(svg("line", { x1: LC.left, x2: LC.left, y1: LC.top, y2: LC.top + plotH }));
  axis.append(svg("line", { x1: LC.left, x2: LC.left + plotW, y1: LC.top + plotH, y2: LC.top + plotH }));
  for (const [t, label] of ys.ticks) if (t >= 0 && t <= 1)
    axis.append(svg("text", { x: LC.left - 5, y: LC.top + (1 - t) * plotH + 4, "text-anchor": "end", class: "tick", text: label }));
  for (const [t, label] of xs.ticks) if (t >= 0 && t <= 1)
    axis.append(svg("text", { x: LC.left + t * plotW, y: LC.top + plotH + 16, "text-anchor": "middle", class: "tick", text: label }));
  axis.append(svg("text", { x: LC.left + plotW / 2, y: LC.h - 6, "text-anchor": "middle", class: "tick", text: "step (or epoch)" + (xs.kind === "log" ? ", log scale" : "") }));
  axis.append(svg("text", { x: 14, y: LC.top + plotH / 2, transform: `rotate(-90 14 ${LC.top + plotH / 2})`, "text-anchor": "middle", class: "tick", text: name }));
  root.append(axis);
  withCurve.forEach((x, i) => {
    const colour = viridis(withCurve.length < 2 ? 0 : 0.85 * (1 - i / (withCurve.length - 1)));
    const c = x.g.curve;
    const g = svg("g", { class: "curve", "data-group": x.rank });
    const withSd = c.filter((p) => p.sd !== null);
    if (withSd.length > 1) {
      const up = withSd.map((p) => `${px(p.step).toFixed(1)},${py(p.mean + p.sd).toFixed(1)}`);
      const down = withSd.slice().reverse().map((p) => `${px(p.step).toFixed(1)},${py(p.mean - p.sd).toFixed(1)}`);
      g.append(svg("path", { d: "M" + up.join("L") + "L" + down.join("L") + "Z", fill: colour, "fill-opacity": 0.15, stroke: "none" }));
    }
    g.append(svg("path", { d: "M" + c.map((p) => `${px(p.step).toFixed(1)},${py(p.mean).toFixed(1)}`).join("L"), fill: "none", stroke: colour, "stroke-width": 2 }));
    hoverText(g, () => groupText(m, x) + "\n" + c.map((p) => `step ${fmt(p.step)}: ${fmt(p.mean)} ± ${fmt2(p.sd)} (n=${p.n})`).join("\n"));
    root.append(g);
    const ly = LC.top + 4 + i * 18;
    root.append(svg("rect", { x: LC.w - LC.right + 16, y: ly, width: 12, height: 12, fill: colour }));
    root.append(svg("text", { x: LC.w - LC.right + 34, y: ly + 10, class: "tick",
      text: `#${x.rank + 1} ` + Object.entries(x.g.params).map(([k, v]) => `${k}=${text(v)}`).join(" ").slice(0, 34) }));
  });
  host.append(root);
}

// --------------------------------------------------------------- failures

function failures(m) {
  const host = document.getElementById("failures");
  const f = m.report.failures, t = m.report.totals;
  host.replaceChildren();
  const outcomes = Object.entries(f.by_outcome).map(([k, n]) => `${n} ${k}`).join(", ");
  host.append(el("p", { text: `${t.failed} of ${plural(t.jobs, "job")} failed` + (outcomes ? ` (${outcomes})` : "") +
    (f.stopped ? `; ${f.stopped} stopped by sweep` : "") + (f.unfinished ? `; ${f.unfinished} without an end record` : "") + "." }));
  if (f.rates.length) {
    host.append(el("h3", { text: "Failure rate by parameter value" }));
    for (const p of m.params) {
      const marg = (m.report.marginals || []).find((x) => x.param === p);
      const values = makeScale(m.groups.map((x) => x.g.params[p]), marg && marg.values.map((v) => v.value));
      const strip = el("div", { class: "strip", role: "list", "aria-label": `Failure rate by ${p}` });
      strip.append(el("span", { class: "cell", text: p, style: "border:0;font-weight:600" }));
      const cats = values.cats || values.ticks.map(([, l]) => l);
      const vals = values.cats ? cats : [...new Set(m.groups.map((x) => x.g.params[p]))].sort((a, b) => a - b);
      for (const v of vals) {
        const r = f.rates.find((x) => x.param === p && text(x.value) === text(v));
        const share = r ? r.failed / r.runs : 0;
        const cell = el("span", { class: "cell", role: "listitem", text: `${text(v)}: ${r ? `${r.failed}/${r.runs}` : "0"}`,
          style: `background:${share ? viridis(1 - share) : "#fff"};color:${share > 0.45 ? "#fff" : "#000"}` });
        hoverText(cell, () => {
          const jobs = f.jobs.filter((j) => j.params && text(j.params[p]) === text(v));
          const head = `${p}=${text(v)}: ` + (r ? `${r.failed} of ${r.runs} runs failed` : "no failure");
          return [head, ...jobs.map(jobLine)].join("\n");
        });
        strip.append(cell);
      }
      host.append(strip);
    }
  }
  if (f.jobs.length) {
    host.append(el("h3", { text: `Failed jobs (the first ${f.jobs.length}; hover for their last lines)` }));
    const ul = el("ul", { class: "failed-jobs" });
    for (const j of f.jobs) {
      const li = el("li", { tabindex: 0, title: lastLines(j), text: `job ${j.job} ${Object.entries(j.params || {}).map(([k, v]) => `${k}=${text(v)}`).join(" ")}: ${j.outcome}` });
      hoverText(li, () => jobLine(j));
      ul.append(li);
    }
    host.append(ul);
  }
  if (f.no_metric.length)
    host.append(el("p", { text: `${plural(f.no_metric.length, "group")} where no job printed ${m.metric ? m.metric.name : "the metric"}: ` +
      f.no_metric.map((p) => Object.entries(p).map(([k, v]) => `${k}=${text(v)}`).join(" ")).join("; ") }));
}

function lastLines(j) {
  return `stdout: ${j.last_stdout || "(none)"}\nstderr: ${j.last_stderr || "(none)"}`;
}
function jobLine(j) { return `job ${j.job} (${j.outcome})\n  ${lastLines(j).replace("\n", "\n  ")}`; }

// ------------------------------------------------------------- comparison

function comparison(c) {
  const host = document.getElementById("compare-body");
  document.getElementById("compare").hidden = false;
  const colour = (i) => RUN_COLOURS[i % RUN_COLOURS.length];
  const rows = c.rows.slice(0, 40);
  const legend = el("div", { class: "legend" });
  c.labels.forEach((l, i) => legend.append(el("span", {}, el("span", { class: "swatch", style: `background:${colour(i)}` }), l)));
  const rowH = 22, top = 40, left = 330, w = 1000, h = top + rows.length * rowH + 40;
  const title = `${c.metric} by group, ${c.labels.join(" vs ")} (mean and ${Math.round(c.ci * 100)}% CI)`;
  const root = figure(w, h, title, `Each row a group; each run's mean of ${c.metric} as a dot with its interval.`);
  root.append(svg("text", { x: 4, y: 16, class: "title", text: title }));
  const all = rows.flatMap((r) => Object.values(r.runs)).filter((s) => s.n > 0);
  const xs = makeScale([Math.min(...all.map((s) => s.ci_low ?? s.mean)), Math.max(...all.map((s) => s.ci_high ?? s.mean))]);
  const px = (v) => left + xs.at(v) * (w - left - 30);
  for (const [t, label] of xs.ticks) if (t >= 0 && t <= 1) {
    root.append(svg("line", { x1: left + t * (w - left - 30), x2: left + t * (w - left - 30), y1: top - 6, y2: h - 34, stroke: "#eee" }));
    root.append(svg("text", { x: left + t * (w - left - 30), y: h - 20, "text-anchor": "middle", class: "tick", text: label }));
  }
  root.append(svg("text", { x: left + (w - left - 30) / 2, y: h - 4, "text-anchor": "middle", class: "tick", text: `${c.metric} (mean)` }));
  rows.forEach((r, i) => {
    const y = top + i * rowH + rowH / 2;
    root.append(svg("text", { x: left - 8, y: y + 4, "text-anchor": "end", class: "tick",
      text: Object.entries(r.params).map(([k, v]) => `${k}=${text(v)}`).join(" ").slice(0, 48) }));
    c.labels.forEach((l, k) => {
      const s = r.runs[l];
      if (!s || s.n === 0) return;
      const yy = y + (k - (c.labels.length - 1) / 2) * 5;
      if (s.ci_low !== null) root.append(svg("line", { x1: px(s.ci_low), x2: px(s.ci_high), y1: yy, y2: yy, stroke: colour(k), "stroke-width": 2 }));
      const dot = svg("circle", { cx: px(s.mean), cy: yy, r: 4, fill: colour(k) });
      hoverText(dot, () => `${l}: ${meanCi(s)} (n=${s.n})`);
      root.append(dot);
    });
  });
  const table = el("table", { class: "compare-table" });
  const head = el("tr");
  const params = [...new Set(c.rows.flatMap((r) => Object.keys(r.params)))];
  for (const p of params) head.append(el("th", { scope: "col", text: p }));
  c.labels.forEach((l, k) => head.append(el("th", { scope: "col", class: "num", style: `color:${colour(k)}`, text: `${l}: ${c.metric} ± CI (n)` })));
  head.append(el("th", { scope: "col", class: "num", text: `${c.labels[c.labels.length - 1]} − ${c.labels[0]} [CI]` }), el("th", { scope: "col", class: "num", text: "p" }));
  const body = el("tbody");
  for (const r of c.rows) {
    const tr = el("tr");
    for (const p of params) tr.append(el("td", { text: r.params[p] === undefined ? "" : text(r.params[p]) }));
    for (const l of c.labels) { const s = r.runs[l]; tr.append(el("td", { class: "num", text: s && s.n ? `${meanCi(s)} (${s.n})` : "–" })); }
    const d = r.diff;
    tr.append(el("td", { class: "num", text: d ? `${fmt(d.mean)} [${fmt(d.ci_low)}, ${fmt(d.ci_high)}]` : "–" }),
      el("td", { class: "num", text: d ? fmt2(d.p) : "–" }));
    body.append(tr);
  }
  table.append(el("caption", { class: "help", text: `${c.rows.length} groups matched by their parameters${c.rows.length > rows.length ? `; the plot shows the first ${rows.length}` : ""}.` }),
    el("thead", {}, head), body);
  host.replaceChildren(legend, root, el("div", { class: "table-wrap" }, table));
}

// ------------------------------------------------------------------- page

// Draws one report's sections and ties the filters to them.
function render(report, label) {
  header(report, label);
  const m = model(report);
  const update = () => {
    const vis = visible(m);
    let shown = 0;
    m.groups.forEach((x, i) => {
      x.line.classList.toggle("out", !vis[i]);
      x.row.classList.toggle("out", !vis[i]);
      shown += vis[i];
    });
    const msg = `${shown} of ${plural(m.groups.length, "group")} shown`;
    document.getElementById("pc-count").textContent = msg;
    document.getElementById("table-count").textContent = msg;
  };
  parallelCoordinates(m, update);
  groupsTable(m);
  marginals(m);
  curves(m);
  failures(m);
  const topk = document.getElementById("topk");
  topk.disabled = !(m.metric && m.metric.goal);
  topk.value = "100";
  topk.onchange = () => { m.topk = Number(topk.value); update(); };
  document.getElementById("clear-brushes").onclick = () => {
    m.brushes.clear();
    for (const a of m.axes) a.clear();
    update();
  };
  const filter = document.getElementById("filter");
  filter.value = "";
  filter.oninput = () => { m.filter = filter.value; update(); };
  update();
}

function main() {
  if (DATA.report) {
    render(DATA.report, DATA.report.label);
    return;
  }
  // --label: the comparison, then one run's sections, chosen here.
  comparison(DATA.comparison);
  document.getElementById("title").textContent = `sweep report: ${DATA.runs.map((r) => r.label).join(" vs ")}`;
  const choice = document.getElementById("runs-choice");
  choice.hidden = false;
  const select = el("select", { id: "run" });
  DATA.runs.forEach((r, i) => select.append(el("option", { value: i, text: r.label })));
  select.value = String(DATA.runs.length - 1);
  select.onchange = () => render(DATA.runs[Number(select.value)].report, DATA.runs[Number(select.value)].label);
  choice.replaceChildren(el("label", { for: "run", text: "Sections below show the run" }), select);
  select.onchange();
}

main();
