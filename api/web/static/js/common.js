/* Helpers shared by the pages: JSON calls to the API with the session cookie,
   and turning {"detail": ...} answers into messages a clerk can read. */
"use strict";
window.fapiao = (function () {
  async function call(method, url, body) {
    const options = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (body instanceof FormData) {
      options.body = body;
    } else if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(url, options);
    let data = null;
    const type = response.headers.get("content-type") || "";
    if (type.indexOf("json") >= 0) {
      try { data = await response.json(); } catch (e) { data = null; }
    }
    if (response.status === 401) {
      window.location.href = "/login?next=" + encodeURIComponent(window.location.pathname + window.location.search);
    }
    return { ok: response.ok, status: response.status, data: data };
  }

  /* [{field, message}] from a FastAPI-style detail (list of {loc, msg}) or a plain string. */
  function problems(data) {
    if (!data) return [{ field: null, message: "请求失败 / request failed" }];
    const detail = data.detail;
    if (typeof detail === "string") return [{ field: null, message: detail }];
    if (Array.isArray(detail)) {
      return detail.map(function (e) {
        const loc = (e.loc || []).filter(function (p) { return p !== "body" && p !== "corrections"; });
        let field = loc.length ? String(loc[0]) : null;
        if (field === "items" && loc.length > 1) field = "items";
        return { field: field, message: e.msg || String(e) };
      });
    }
    return [{ field: null, message: JSON.stringify(detail) }];
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "class") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  const STATUS = { queued: "排队中", processing: "识别中", done: "完成", failed: "失败" };
  const FIELD_LABELS = {
    invoice_type: "发票类型", is_red: "红字", invoice_code: "发票代码", invoice_number: "发票号码",
    issue_date: "开票日期", check_code: "校验码", buyer_name: "购买方名称", buyer_tax_id: "购买方纳税人识别号",
    seller_name: "销售方名称", seller_tax_id: "销售方纳税人识别号", total_amount: "合计金额", total_tax: "合计税额",
    amount_with_tax: "价税合计", amount_in_words: "价税合计（大写）", original_invoice_code: "原发票代码",
    original_invoice_number: "原发票号码", red_info_number: "红字信息表编号", remarks: "备注", items: "货物或应税劳务"
  };
  return { call: call, problems: problems, el: el, STATUS: STATUS, FIELD_LABELS: FIELD_LABELS };
})();
