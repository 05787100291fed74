/* Manual entry: the form is sent as JSON to POST /api/v1/invoices, so the checks
   and their messages are exactly the API's; field errors are shown at the field. */
"use strict";
(function () {
  const F = window.fapiao;
  const form = document.getElementById("entry-form");
  const tbody = document.querySelector("#entry-lines tbody");
  const status = document.getElementById("entry-status");
  const columns = window.LINE_COLUMNS;
  /* Chinese for the request-shape errors FastAPI reports before the invoice checks run */
  const PYDANTIC = {
    missing: "必填", date_from_datetime_parsing: "日期格式应为 YYYY-MM-DD", date_parsing: "日期格式应为 YYYY-MM-DD",
    date_from_datetime_inexact: "日期格式应为 YYYY-MM-DD", decimal_parsing: "应为数字（如 -1200.00）",
    decimal_max_places: "最多两位小数", decimal_max_digits: "数字位数过多", string_too_long: "内容过长",
    literal_error: "取值无效", bool_parsing: "取值无效"
  };

  function addLine() {
    const tr = F.el("tr");
    columns.forEach(function (col) {
      const td = F.el("td");
      const input = F.el("input", { "data-col": col, "aria-label": col });
      if (["quantity", "unit_price", "amount", "tax"].indexOf(col) >= 0) input.setAttribute("inputmode", "decimal");
      td.appendChild(input);
      tr.appendChild(td);
    });
    const del = F.el("button", { type: "button", class: "link-danger", "aria-label": "删除此行" }, "×");
    del.addEventListener("click", function () { tr.remove(); });
    const td = F.el("td"); td.appendChild(del); tr.appendChild(td);
    tbody.appendChild(tr);
    return tr;
  }
  document.getElementById("add-line").addEventListener("click", function () { addLine().querySelector("input").focus(); });
  addLine();

  function body() {
    const out = {};
    form.querySelectorAll("[name]").forEach(function (input) {
      const v = input.value.trim();
      if (input.name === "is_red") out.is_red = v === "true";
      else if (v !== "") out[input.name] = v;
    });
    const items = [];
    tbody.querySelectorAll("tr").forEach(function (tr) {
      const item = {};
      let any = false;
      tr.querySelectorAll("[data-col]").forEach(function (c) {
        const v = c.value.trim();
        if (v !== "") { item[c.dataset.col] = v; any = true; }
      });
      if (any) items.push(item);
    });
    if (items.length) out.items = items;
    return out;
  }

  function clearErrors() {
    form.querySelectorAll(".error-text").forEach(function (p) { p.hidden = true; p.textContent = ""; });
    form.querySelectorAll(".has-error").forEach(function (n) { n.classList.remove("has-error"); });
  }

  form.addEventListener("submit", async function (e) {
    e.preventDefault();
    clearErrors();
    status.className = "status-line"; status.textContent = "正在保存…";
    const r = await F.call("POST", "/api/v1/invoices", body());
    if (r.status === 201) {
      status.className = "status-line ok"; status.textContent = "已保存发票 #" + r.data.id;
      window.location.href = "/invoices/" + r.data.id;
      return;
    }
    if (r.status === 409 && r.data && r.data.existing_id) {
      status.className = "status-line error"; status.textContent = "";
      status.appendChild(document.createTextNode(r.data.detail + " "));
      status.appendChild(F.el("a", { href: "/invoices/" + r.data.existing_id }, "查看已有记录"));
      return;
    }
    const general = [];
    let first = null;
    (r.data && Array.isArray(r.data.detail) ? r.data.detail : []).forEach(function (err) {
      const loc = (err.loc || []).filter(function (p) { return p !== "body"; });
      const field = loc.length ? String(loc[0]) : null;
      const slot = field ? form.querySelector('[data-error-for="' + field + '"]') : null;
      let message = (PYDANTIC[err.type] ? PYDANTIC[err.type] + " / " : "") + err.msg;
      if (field === "items" && loc.length > 1) message = "第 " + (Number(loc[1]) + 1) + " 行" + (loc[2] ? " " + loc[2] : "") + "：" + message;
      if (slot) {
        slot.hidden = false;
        slot.textContent = (slot.textContent ? slot.textContent + "；" : "") + message;
        const row = slot.closest(".field"); if (row) row.classList.add("has-error");
        if (!first) first = form.querySelector('[name="' + field + '"]');
      } else general.push(message);
    });
    if (!Array.isArray(r.data && r.data.detail)) general.push(F.problems(r.data)[0].message);
    status.className = "status-line error";
    status.textContent = general.length ? general.join("；") : "有字段未通过校验，请按提示更正。";
    if (first) first.focus();
  });
})();
