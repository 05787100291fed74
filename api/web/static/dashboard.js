/* Customer-analysis dashboard: plain SVG charts drawn from /api/v1/classifications.
   Money arrives as decimal strings and is only ever formatted as text here. */
"use strict";
(function () {
  const F = window.fapiao;
  const DATA = JSON.parse(document.getElementById("dashboard-data").textContent);
  const API = "/api/v1/classifications";
  const SVGNS = "http://www.w3.org/2000/svg";
  const CATCH_ALL = ["未知", "无品类"];
  const NAMES = {}, ORDER = {};
  DATA.dimensions.forEach(function (d) { NAMES[d.key] = d.name; ORDER[d.key] = d.order; });
  const state = { run: null, compare: null, dimension: "value", by: "", segment: null, q: "", offset: 0,
                  limit: 50, proposed: null };
  const $ = function (id) { return document.getElementById(id); };
  const latest = {};
  /* GET for one panel; answers to an older request of the same panel are dropped (null),
     so quick filter changes never leave a panel showing the previous selection. */
  async function fetchFor(panel, url) {
    const ticket = (latest[panel] || 0) + 1;
    latest[panel] = ticket;
    const answer = await F.call("GET", url);
    return latest[panel] === ticket ? answer : null;
  }

  /* -- formatting --------------------------------------------------------- */
  function money(text) {
    if (text === null || text === undefined) return "";
    const negative = text.charAt(0) === "-";
    const parts = text.replace("-", "").split(".");
    const whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (negative ? "-" : "") + whole + (parts.length > 1 ? "." + parts[1] : "");
  }
  function percent(x) { return x === null || x === undefined ? "—" : (x * 100).toFixed(1) + "%"; }
  function ordered(dimension, segments) {
    const known = ORDER[dimension] || [];
    function rank(s) {
      const i = known.indexOf(s);
      return i >= 0 ? [0, i, ""] : [CATCH_ALL.indexOf(s) >= 0 ? 2 : 1, 0, s];
    }
    return segments.slice().sort(function (a, b) {
      const ra = rank(a), rb = rank(b);
      return ra[0] - rb[0] || ra[1] - rb[1] || (ra[2] < rb[2] ? -1 : ra[2] > rb[2] ? 1 : 0);
    });
  }
  function label(s) { return { "new": "新增", "gone": "流失", high: "高", mid: "中", low: "低" }[s] || s; }

  /* -- drawing ------------------------------------------------------------- */
  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function notice(container, text) { clear(container).appendChild(F.el("p", { class: "muted" }, text)); }

  /* Horizontal bars from a zero line (negative revenue goes left). items: [{key, label, value, text}] */
  function barChart(container, items, onClick) {
    clear(container);
    if (!items.length) return notice(container, "没有数据");
    const width = 440, left = 96, right = 92, row = 26;
    const max = Math.max.apply(null, items.map(function (i) { return Math.abs(i.value); }).concat([1]));
    const hasNegative = items.some(function (i) { return i.value < 0; });
    const span = width - left - right, zero = left + (hasNegative ? span / 2 : 0);
    const scale = (hasNegative ? span / 2 : span) / max;
    const chart = svg("svg", { viewBox: "0 0 " + width + " " + (items.length * row + 8), width: width, class: "bars", role: "img" });
    items.forEach(function (item, i) {
      const y = 4 + i * row, w = Math.max(1, Math.abs(item.value) * scale);
      const g = svg("g", { "data-segment": item.key, class: onClick ? "clickable" : "" });
      g.appendChild(svg("title", {}, item.label + "：" + item.text));
      g.appendChild(svg("text", { x: left - 8, y: y + 17, "text-anchor": "end", class: "label" }, item.label));
      g.appendChild(svg("rect", { x: item.value < 0 ? zero - w : zero, y: y + 3, width: w, height: row - 8,
                                  class: item.value < 0 ? "bar negative" : "bar" + (state.segment === item.key ? " selected" : "") }));
      g.appendChild(svg("text", { x: width - right + 8, y: y + 17, class: "value" }, item.text));
      if (onClick) g.addEventListener("click", function () { onClick(item.key); });
      chart.appendChild(g);
    });
    container.appendChild(chart);
  }

  function heatMap(container, matrix, dimension) {
    clear(container);
    const origins = ordered(dimension, Object.keys(matrix).filter(function (s) { return s !== "new"; }));
    if (matrix["new"]) origins.push("new");
    const targetSet = {};
    Object.keys(matrix).forEach(function (o) { Object.keys(matrix[o]).forEach(function (t) { targetSet[t] = true; }); });
    const targets = ordered(dimension, Object.keys(targetSet).filter(function (s) { return s !== "gone"; }));
    if (targetSet["gone"]) targets.push("gone");
    let max = 1;
    origins.forEach(function (o) { targets.forEach(function (t) { max = Math.max(max, (matrix[o] || {})[t] || 0); }); });
    const cell = 56, left = 96, top = 44;
    const size = [left + targets.length * cell + 4, top + origins.length * cell + 4];
    const chart = svg("svg", { viewBox: "0 0 " + size[0] + " " + size[1], width: size[0], class: "heatmap", role: "img" });
    chart.appendChild(svg("text", { x: 4, y: 14, class: "axis" }, "从 ↓ 到 →"));
    targets.forEach(function (t, j) {
      chart.appendChild(svg("text", { x: left + j * cell + cell / 2, y: top - 8, "text-anchor": "middle", class: "label" }, label(t)));
    });
    origins.forEach(function (o, i) {
      chart.appendChild(svg("text", { x: left - 6, y: top + i * cell + cell / 2 + 5, "text-anchor": "end", class: "label" }, label(o)));
      targets.forEach(function (t, j) {
        const n = (matrix[o] || {})[t] || 0, x = left + j * cell, y = top + i * cell;
        const g = svg("g", { class: n ? "cell clickable" : "cell", "data-from": o, "data-to": t, "data-count": n });
        if (n) {
          g.setAttribute("tabindex", "0");
          g.setAttribute("role", "button");
          g.addEventListener("click", function () { loadMoved(o, t); });
          g.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); loadMoved(o, t); } });
        }
        g.appendChild(svg("title", {}, label(o) + " → " + label(t) + "：" + n + " 户"));
        g.appendChild(svg("rect", { x: x + 1, y: y + 1, width: cell - 2, height: cell - 2,
                                    class: o === t ? "same" : "moved", "fill-opacity": n ? 0.12 + 0.88 * n / max : 0.04 }));
        g.appendChild(svg("text", { x: x + cell / 2, y: y + cell / 2 + 5, "text-anchor": "middle",
                                    class: n / max > 0.55 ? "count light" : "count" }, n ? String(n) : ""));
        chart.appendChild(g);
      });
    });
    container.appendChild(chart);
  }

  function lineChart(container, points, dimension) {
    clear(container);
    if (points.length < 1) return notice(container, "没有数据");
    const segmentSet = {};
    points.forEach(function (p) { Object.keys(p.counts).forEach(function (s) { segmentSet[s] = true; }); });
    const segments = ordered(dimension, Object.keys(segmentSet)).slice(0, 10);
    const width = 480, height = 220, left = 44, bottom = 30, top = 10, right = 96;
    let max = 1;
    points.forEach(function (p) { segments.forEach(function (s) { max = Math.max(max, p.counts[s] || 0); }); });
    const x = function (i) { return left + (points.length === 1 ? 0 : i * (width - left - right) / (points.length - 1)); };
    const y = function (v) { return top + (height - top - bottom) * (1 - v / max); };
    const chart = svg("svg", { viewBox: "0 0 " + width + " " + height, width: width, class: "lines", role: "img" });
    chart.appendChild(svg("line", { x1: left, y1: y(0), x2: width - right, y2: y(0), class: "axis-line" }));
    chart.appendChild(svg("text", { x: left - 6, y: y(max) + 4, "text-anchor": "end", class: "axis" }, String(max)));
    chart.appendChild(svg("text", { x: left - 6, y: y(0) + 4, "text-anchor": "end", class: "axis" }, "0"));
    points.forEach(function (p, i) {
      chart.appendChild(svg("text", { x: x(i), y: height - 10, "text-anchor": "middle", class: "axis" }, "#" + p.run_id));
    });
    segments.forEach(function (s, k) {
      const coords = points.map(function (p, i) { return x(i) + "," + y(p.counts[s] || 0); }).join(" ");
      chart.appendChild(svg("polyline", { points: coords, class: "series s" + (k % 10) }));
      points.forEach(function (p, i) {
        const dot = svg("circle", { cx: x(i), cy: y(p.counts[s] || 0), r: 3, class: "dot s" + (k % 10) });
        dot.appendChild(svg("title", {}, label(s) + " #" + p.run_id + "：" + (p.counts[s] || 0)));
        chart.appendChild(dot);
      });
      chart.appendChild(svg("text", { x: width - right + 8, y: 16 + k * 18, class: "legend s" + (k % 10) }, "● " + label(s)));
    });
    container.appendChild(chart);
  }

  function fillTable(table, headers, rows) {
    clear(table);
    const head = F.el("tr");
    headers.forEach(function (h) { head.appendChild(F.el("th", { class: h.num ? "num" : "" }, h.text)); });
    table.appendChild(F.el("thead")).appendChild(head);
    const body = table.appendChild(F.el("tbody"));
    rows.forEach(function (cells) {
      const tr = body.appendChild(F.el("tr"));
      cells.forEach(function (c, i) {
        const td = tr.appendChild(F.el("td", { class: headers[i].num ? "num" : "" }));
        if (c instanceof Node) td.appendChild(c); else td.textContent = c === null || c === undefined ? "" : String(c);
      });
    });
  }

  /* -- loading -------------------------------------------------------------- */
  function query(params) {
    return Object.keys(params).filter(function (k) { return params[k] !== null && params[k] !== "" && params[k] !== undefined; })
      .map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]); }).join("&");
  }
  function exportLinks() {
    const common = { run_id: state.run, dimension: state.dimension };
    const params = {
      counts: { run_id: state.run }, groups: { run_id: state.run, dimension: state.dimension, by: state.by },
      transitions: { dimension: state.dimension, from_run: state.compare, to_run: state.run },
      psi: { from_run: state.compare, to_run: state.run }, trend: { dimension: state.dimension },
      watch: { from_run: state.compare, to_run: state.run }, targets: { run_id: state.run },
      results: Object.assign({ segment: state.segment, q: state.q }, common)
    };
    document.querySelectorAll("a.export").forEach(function (a) {
      const table = a.getAttribute("data-table");
      a.href = API + "/export.xlsx?" + query(Object.assign({ table: table }, params[table]));
    });
  }

  async function loadSizes() {
    const r = await fetchFor("sizes", API + "/runs/" + state.run);
    if (!r) return;
    if (!r.ok) return notice($("chart-sizes"), F.problems(r.data)[0].message);
    const counts = r.data.counts[state.dimension] || {};
    barChart($("chart-sizes"), ordered(state.dimension, Object.keys(counts)).map(function (s) {
      return { key: s, label: label(s), value: counts[s], text: counts[s].toLocaleString("zh-CN") + " 户" };
    }), function (segment) { state.segment = segment; state.offset = 0; loadSizes(); loadDrill(); });
  }

  async function loadGroups() {
    const r = await fetchFor("groups", API + "/runs/" + state.run + "/groups?" + query({ dimension: state.dimension, by: state.by }));
    if (!r) return;
    if (!r.ok) return notice($("chart-revenue"), F.problems(r.data)[0].message);
    const rows = r.data;
    if (!state.by) {
      barChart($("chart-revenue"), rows.map(function (g) {
        return { key: g.segment, label: label(g.segment), value: parseFloat(g.revenue), text: "¥" + money(g.revenue) };
      }));
    }
    const headers = [{ text: "分群" }].concat(state.by ? [{ text: NAMES[state.by] }] : []).concat([
      { text: "客户数", num: true }, { text: "发票数", num: true }, { text: "净额", num: true }, { text: "平均单张", num: true },
      { text: "红冲金额", num: true }, { text: "红冲比例", num: true }, { text: "增长率", num: true }]);
    fillTable($("groups-table"), headers, rows.map(function (g) {
      return [label(g.segment)].concat(state.by ? [label(g.segment_b)] : []).concat([
        g.customers.toLocaleString("zh-CN"), g.invoices.toLocaleString("zh-CN"), money(g.revenue),
        money(g.average_invoice), money(g.red_amount), percent(g.red_ratio), percent(g.growth)]);
    }));
  }

  async function loadTransitions() {
    if (!state.compare) { latest.transitions = (latest.transitions || 0) + 1; return notice($("heatmap"), "需要两次运行才能比较 / two runs needed"); }
    const r = await fetchFor("transitions", API + "/transitions?" + query({ dimension: state.dimension, from_run: state.compare, to_run: state.run }));
    if (!r) return;
    if (!r.ok) return notice($("heatmap"), F.problems(r.data)[0].message);
    heatMap($("heatmap"), r.data.matrix, state.dimension);
    $("heatmap").appendChild(F.el("p", { class: "muted small", id: "heatmap-caption" },
      "#" + r.data.from_run + " → #" + r.data.to_run + "：" + r.data.moved + " 户变动分群"));
  }

  async function loadTargets() {
    const r = await fetchFor("targets", API + "/runs/" + state.run + "/targets");
    if (!r) return;
    if (!r.ok) { clear($("targets-table")); return message($("targets-status"), "error", F.problems(r.data)[0].message); }
    const form = $("targets-form");
    r.data.forEach(function (t) { if (form[t.segment] && t.target_per_customer && !form[t.segment].value) form[t.segment].value = t.target_per_customer; });
    fillTable($("targets-table"), [{ text: "金额分层" }, { text: "客户数", num: true }, { text: "每户目标", num: true },
      { text: "目标合计", num: true }, { text: "实际净额", num: true }, { text: "差额", num: true }, { text: "完成率", num: true },
      { text: "未达标客户", num: true }],
      r.data.map(function (t) {
        return [label(t.segment), t.customers.toLocaleString("zh-CN"), t.target_per_customer ? money(t.target_per_customer) : "未设定",
                money(t.target), money(t.actual), money(t.gap), percent(t.achievement),
                t.customers_below === null ? "" : t.customers_below.toLocaleString("zh-CN")];
      }));
  }

  async function saveTargets() {
    const form = $("targets-form"), perCustomer = {};
    ["high", "mid", "low"].forEach(function (tier) { const v = form[tier].value.trim(); if (v) perCustomer[tier] = v; });
    const r = await F.call("PUT", API + "/config", { changes: { sales_targets: { per_customer: perCustomer } }, note: "销售目标" });
    if (!r.ok) return message($("targets-status"), "error", F.problems(r.data).map(function (p) { return p.message; }).join("；"));
    DATA.config = r.data.config; DATA.config_version = r.data.version;
    $("config-version").textContent = "当前阈值：第 " + r.data.version + " 版";
    message($("targets-status"), "ok", "已保存为第 " + r.data.version + " 版 / saved");
    loadTargets();
  }

  async function loadMoved(from, to) {
    const box = $("moved"), params = { dimension: state.dimension, from_segment: from, to_segment: to,
                                       from_run: state.compare, to_run: state.run, limit: 200 };
    const r = await fetchFor("moved", API + "/transitions/customers?" + query(params));
    if (!r) return;
    box.hidden = false;
    if (!r.ok) { clear($("moved-table")); $("moved-title").textContent = F.problems(r.data)[0].message; return; }
    $("moved-title").textContent = label(from) + " → " + label(to) + "：共 " + r.data.total.toLocaleString("zh-CN") + " 户" +
      (r.data.total > r.data.items.length ? "（显示前 " + r.data.items.length + " 户）" : "");
    $("moved-export").href = API + "/export.xlsx?" + query(Object.assign({ table: "moved" }, params, { limit: null }));
    fillTable($("moved-table"), [{ text: "客户" }, { text: "之前" }, { text: "之后" }, { text: "之前净额", num: true }, { text: "之后净额", num: true }],
      r.data.items.map(function (i) {
        return [F.el("a", { href: "/customers/" + i.customer_id }, i.name), label(i.before), label(i.after),
                money(i.net_before), money(i.net_after)];
      }));
  }

  async function loadWatch() {
    if (!state.compare) { latest.watch = (latest.watch || 0) + 1; clear($("watch-table")); $("watch-total").textContent = "需要两次运行才能比较 / two runs needed"; return; }
    const r = await fetchFor("watch", API + "/watch?" + query({ from_run: state.compare, to_run: state.run, limit: 100 }));
    if (!r) return;
    if (!r.ok) { clear($("watch-table")); $("watch-total").textContent = F.problems(r.data)[0].message; return; }
    $("watch-total").textContent = "#" + r.data.from_run + " → #" + r.data.to_run + "：共 " + r.data.total.toLocaleString("zh-CN") + " 条" +
      (r.data.total > r.data.items.length ? "（显示前 " + r.data.items.length + " 条，完整名单请导出）" : "");
    const kinds = { downgrade: "降级", big_mover: "金额大幅变动" };
    fillTable($("watch-table"), [{ text: "客户" }, { text: "类型" }, { text: "维度" }, { text: "之前" }, { text: "之后" },
                                 { text: "之前净额", num: true }, { text: "之后净额", num: true }],
      r.data.items.map(function (i) {
        const name = F.el("a", { href: "/customers/" + i.customer_id }, i.name);
        const kind = F.el("span", { class: "tag " + (i.key_customer ? "red" : "status-needs_review") }, kinds[i.kind] + (i.key_customer ? " · 重点客户" : ""));
        return [name, kind, i.dimension ? NAMES[i.dimension] || i.dimension : "净额",
                i.dimension ? label(i.before) : money(i.before), i.dimension ? label(i.after) : money(i.after),
                money(i.net_before), money(i.net_after)];
      }));
  }

  async function loadPsi() {
    if (!state.compare) { latest.psi = (latest.psi || 0) + 1; return clear($("psi-table")); }
    const r = await fetchFor("psi", API + "/stability?" + query({ from_run: state.compare, to_run: state.run }));
    if (!r) return;
    if (!r.ok) return clear($("psi-table"));
    const levels = { ok: ["稳定", "status-accepted"], warn: ["关注", "status-needs_review"], alert: ["预警", "red"] };
    fillTable($("psi-table"), [{ text: "维度" }, { text: "PSI", num: true }, { text: "状态" }],
      Object.keys(r.data.dimensions).map(function (d) {
        const v = r.data.dimensions[d];
        return [NAMES[d] || d, v.value.toFixed(4), F.el("span", { class: "tag " + levels[v.level][1] }, levels[v.level][0])];
      }));
  }

  async function loadTrend() {
    const r = await fetchFor("trend", API + "/trend?" + query({ dimension: state.dimension }));
    if (!r) return;
    if (!r.ok) return notice($("trend"), F.problems(r.data)[0].message);
    lineChart($("trend"), r.data.points, state.dimension);
  }

  async function loadDrill() {
    $("drill-segment").textContent = state.segment ? label(state.segment) : "";
    const r = await fetchFor("drill", API + "/runs/" + state.run + "/results?" + query({
      dimension: state.dimension, segment: state.segment, q: state.q, offset: state.offset, limit: state.limit }));
    if (!r) return;
    if (!r.ok) { clear($("drill-table")); $("drill-total").textContent = F.problems(r.data)[0].message; return; }
    $("drill-total").textContent = "共 " + r.data.total.toLocaleString("zh-CN") + " 户" +
      (r.data.total > state.limit ? "，第 " + (state.offset + 1) + "–" + Math.min(state.offset + state.limit, r.data.total) + " 户" : "");
    $("drill-prev").disabled = state.offset === 0;
    $("drill-next").disabled = state.offset + state.limit >= r.data.total;
    fillTable($("drill-table"), [{ text: "客户" }, { text: "分群" }, { text: "窗口内净额", num: true }, { text: "说明" }],
      r.data.items.map(function (i) {
        return [F.el("a", { href: "/customers/" + i.customer_id }, i.name), label(i.segment), money(i.net_amount),
                F.el("span", { class: "small" }, i.explanation)];
      }));
    exportLinks();
  }

  function refresh() {
    exportLinks();
    if (!state.run) { $("no-runs").hidden = false; $("dashboard").hidden = true; return; }
    $("no-runs").hidden = true; $("dashboard").hidden = false;
    $("moved").hidden = true;
    loadSizes(); loadGroups(); loadTargets(); loadTransitions(); loadPsi(); loadTrend(); loadDrill(); loadWatch();
  }

  /* -- filters -------------------------------------------------------------- */
  function runOptions(runs) {
    const runSelect = clear($("run-select")), compareSelect = clear($("compare-select"));
    compareSelect.appendChild(F.el("option", { value: "" }, "（不比较）"));
    runs.forEach(function (r) {
      const text = "#" + r.id + " · 基准日 " + r.as_of + " · " + r.customers.toLocaleString("zh-CN") + " 户";
      runSelect.appendChild(F.el("option", { value: r.id }, text));
      compareSelect.appendChild(F.el("option", { value: r.id }, text));
    });
    state.run = runs.length ? runs[0].id : null;
    state.compare = runs.length > 1 ? runs[1].id : null;
    runSelect.value = state.run || "";
    compareSelect.value = state.compare || "";
  }

  function setUpFilters() {
    DATA.dimensions.forEach(function (d) {
      $("dimension-select").appendChild(F.el("option", { value: d.key }, d.name));
      $("by-select").appendChild(F.el("option", { value: d.key }, d.name));
    });
    $("dimension-select").value = state.dimension;
    runOptions(DATA.runs);
    $("run-select").addEventListener("change", function (e) { state.run = Number(e.target.value); state.offset = 0; refresh(); });
    $("compare-select").addEventListener("change", function (e) { state.compare = e.target.value ? Number(e.target.value) : null; refresh(); });
    $("dimension-select").addEventListener("change", function (e) {
      state.dimension = e.target.value; state.segment = null; state.offset = 0; refresh();
    });
    $("by-select").addEventListener("change", function (e) { state.by = e.target.value; loadGroups(); exportLinks(); });
    $("drill-search").addEventListener("click", function () { state.q = $("drill-q").value.trim(); state.offset = 0; loadDrill(); });
    $("drill-q").addEventListener("keydown", function (e) { if (e.key === "Enter") $("drill-search").click(); });
    $("drill-all").addEventListener("click", function () { state.segment = null; state.offset = 0; loadSizes(); loadDrill(); });
    $("drill-prev").addEventListener("click", function () { state.offset = Math.max(0, state.offset - state.limit); loadDrill(); });
    $("drill-next").addEventListener("click", function () { state.offset += state.limit; loadDrill(); });
  }

  /* -- what if, save, re-run ------------------------------------------------------ */
  const THRESHOLDS = {
    frequency: { section: "frequency", fields: [["mode", "方式", ["percentile", "absolute"]], ["high", "高档（前占比 / 最少张数）"],
                                                  ["mid", "中档（其后占比 / 最少张数）"], ["measure", "计数", ["invoices", "active_months"]]] },
    amount: { section: "amount", fields: [["mode", "方式", ["percentile", "absolute"]], ["high", "高档（前占比 / 最低金额）"],
                                            ["mid", "中档（其后占比 / 最低金额）"]] },
    value: { section: "rfm", fields: [["recency_days", "R 近：最近开票 ≤ 天（空 = 中位数）"], ["frequency", "F 高：开票 ≥ 张"],
                                        ["monetary", "M 高：净额 ≥ 元"]] },
    credit: { section: "credit", grades: true }
  };
  const CHOICE_LABELS = { percentile: "按占比", absolute: "按数值", invoices: "发票张数", active_months: "有开票的月数" };

  function whatIfFields() {
    const dimension = $("whatif-dimension").value, spec = THRESHOLDS[dimension], box = clear($("whatif-fields"));
    const current = DATA.config[spec.section];
    if (spec.grades) {
      current.grades.forEach(function (g, i) {
        const row = box.appendChild(F.el("div", { class: "grade-row" }));
        row.appendChild(F.el("strong", {}, g.grade));
        [["min_score", "最低分"], ["credit_limit", "额度上限"], ["payment_terms_days", "账期天数"]].forEach(function (f) {
          const field = row.appendChild(F.el("label", {}, f[1]));
          field.appendChild(F.el("input", { name: "grades." + i + "." + f[0], value: g[f[0]], inputmode: "decimal" }));
        });
      });
      return;
    }
    spec.fields.forEach(function (f) {
      const field = box.appendChild(F.el("label", {}, f[1]));
      const value = current[f[0]];
      if (f[2]) {
        const select = field.appendChild(F.el("select", { name: f[0] }));
        f[2].forEach(function (choice) { select.appendChild(F.el("option", { value: choice }, CHOICE_LABELS[choice])); });
        select.value = value;
      } else {
        field.appendChild(F.el("input", { name: f[0], value: value === null ? "" : value, inputmode: "decimal" }));
      }
    });
  }

  function whatIfChanges() {
    const spec = THRESHOLDS[$("whatif-dimension").value], section = {};
    if (spec.grades) {
      section.grades = DATA.config.credit.grades.map(function (g, i) {
        const read = function (name) { return $("whatif-fields").querySelector("[name='grades." + i + "." + name + "']").value.trim(); };
        // keep the grade's other settings (limit_months, payment_method, discount_policy): lists are replaced
        return Object.assign({}, g, { min_score: Number(read("min_score")), credit_limit: read("credit_limit"),
                                      payment_terms_days: Number(read("payment_terms_days")) });
      });
    } else {
      $("whatif-fields").querySelectorAll("input, select").forEach(function (input) {
        const v = input.value.trim();
        section[input.name] = v === "" ? null : v;
      });
    }
    const changes = {};
    changes[spec.section] = section;
    return changes;
  }

  function message(box, kind, text) { clear(box).appendChild(F.el("p", { class: "notice " + kind }, text)); }

  async function preview() {
    const box = $("whatif-result");
    $("whatif-save").disabled = true;
    message(box, "", "试算中… / computing");
    const dimension = $("whatif-dimension").value;
    const r = await F.call("POST", API + "/what-if", { changes: whatIfChanges(), run_id: state.run, dimensions: [dimension] });
    if (!r.ok) return message(box, "error", F.problems(r.data).map(function (p) { return p.message; }).join("；"));
    state.proposed = r.data.config;
    clear(box);
    r.data.notes.forEach(function (n) { box.appendChild(F.el("p", { class: "notice warn" }, n)); });
    r.data.dimensions.forEach(function (d) {
      const segments = ordered(d.dimension, Object.keys(Object.assign({}, d.before, d.after)));
      box.appendChild(F.el("p", { class: "whatif-summary" }, NAMES[d.dimension] + "：" + d.moved_customers + " 户将变动分群，PSI " +
        d.psi.value.toFixed(4) + "（" + { ok: "稳定", warn: "关注", alert: "预警" }[d.psi.level] + "）"));
      const table = box.appendChild(F.el("table", { class: "list", id: "whatif-table" }));
      fillTable(table, [{ text: "分群" }, { text: "当前", num: true }, { text: "调整后", num: true }, { text: "变化", num: true }],
        segments.map(function (s) {
          const before = d.before[s] || 0, after = d.after[s] || 0, delta = after - before;
          return [label(s), before, after, (delta > 0 ? "+" : "") + delta];
        }));
      if (d.movers && d.movers.length) {
        const details = box.appendChild(F.el("details", { class: "whatif-movers" }));
        details.appendChild(F.el("summary", {}, "变动的客户（按净额，前 " + d.movers.length + " 户）"));
        fillTable(details.appendChild(F.el("table", { class: "list" })),
          [{ text: "客户" }, { text: "当前" }, { text: "调整后" }, { text: "窗口内净额", num: true }],
          d.movers.map(function (m) {
            return [F.el("a", { href: "/customers/" + m.customer_id }, m.name), label(m.before), label(m.after), money(m.net_after)];
          }));
      }
    });
    $("whatif-save").disabled = false;
  }

  async function save() {
    if (!state.proposed) return;
    const r = await F.call("PUT", API + "/config", { changes: state.proposed, note: $("whatif-note").value.trim() || null });
    if (!r.ok) return message($("whatif-result"), "error", F.problems(r.data)[0].message);
    DATA.config = r.data.config; DATA.config_version = r.data.version;
    $("config-version").textContent = "当前阈值：第 " + r.data.version + " 版";
    $("whatif-save").disabled = true;
    $("whatif-result").appendChild(F.el("p", { class: "notice ok", id: "whatif-saved" },
      "已保存为第 " + r.data.version + " 版；重新运行分类后生效。 / saved as version " + r.data.version));
  }

  async function runNow() {
    const button = $("run-now");
    button.disabled = true;
    $("run-status").textContent = "分类运行中… / running";
    const asOf = $("run-as-of").value;
    const r = await F.call("POST", API + "/run", asOf ? { as_of: asOf } : {});
    button.disabled = false;
    if (!r.ok) { $("run-status").textContent = F.problems(r.data)[0].message; return; }
    $("run-status").textContent = "运行 #" + r.data.id + " 完成：" + r.data.customers.toLocaleString("zh-CN") + " 户，" +
      r.data.duration_seconds.toFixed(1) + " 秒";
    const runs = await F.call("GET", API + "/runs?status=done&limit=100");
    if (runs.ok) {
      runOptions(runs.data.items);
      state.segment = null; state.offset = 0;
      refresh();
    }
  }

  function setUpWhatIf() {
    ["frequency", "amount", "value", "credit"].forEach(function (d) {
      $("whatif-dimension").appendChild(F.el("option", { value: d }, NAMES[d]));
    });
    $("whatif-dimension").value = "amount";
    $("config-version").textContent = DATA.config_version ? "当前阈值：第 " + DATA.config_version + " 版" : "当前阈值：默认";
    whatIfFields();
    $("whatif-dimension").addEventListener("change", function () { state.proposed = null; $("whatif-save").disabled = true; whatIfFields(); });
    $("whatif-fields").addEventListener("input", function () { $("whatif-save").disabled = true; });
    $("whatif-preview").addEventListener("click", preview);
    $("whatif-save").addEventListener("click", save);
    $("run-now").addEventListener("click", runNow);
  }

  /* -- strategy advice ------------------------------------------------------------ */
  async function advise() {
    const form = $("strategy-form"), box = $("strategy-advice");
    const params = { company_size: form.company_size.value, competition: form.competition.value, stage: form.stage.value };
    if (form.service_level.value) params.service_level = form.service_level.value;
    const r = await fetchFor("strategy", API + "/strategy?" + query(params));
    if (!r) return;
    if (!r.ok) return message(box, "error", F.problems(r.data)[0].message);
    clear(box);
    box.appendChild(F.el("p", { class: "whatif-summary" }, r.data.reasons[0]));
    const list = box.appendChild(F.el("ul", { class: "small" }));
    r.data.reasons.slice(1).forEach(function (reason) { list.appendChild(F.el("li", {}, reason)); });
  }

  setUpFilters();
  setUpWhatIf();
  $("strategy-form").addEventListener("change", advise);
  $("targets-save").addEventListener("click", saveTargets);
  advise();
  refresh();
})();
