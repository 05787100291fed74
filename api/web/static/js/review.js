/* The review screen, keyboard first.
   Enter / Tab: next flagged field (flagged fields carry tabindex=1, the actions 2);
   Shift+Enter: previous; Ctrl+Enter or Alt+A: approve; Alt+R: reject with a reason;
   Alt+N: next invoice. The field in focus is highlighted on the page image. */
"use strict";
(function () {
  const root = document.getElementById("review");
  if (!root) return;
  const F = window.fapiao;
  const invoiceId = root.dataset.invoiceId;
  const form = document.getElementById("review-form");
  const status = document.getElementById("form-status");
  const approveButton = document.getElementById("approve");
  const rejectPanel = document.getElementById("reject-panel");
  const rejectReason = document.getElementById("reject-reason");
  const overrideRow = document.getElementById("override-row");
  const override = document.getElementById("override");
  let chosenCustomer = null;
  const boxes = {};

  /* ---- the page image with the boxes ---- */
  function drawView(view) {
    const holder = document.getElementById("page-image");
    const note = document.getElementById("boxes-note");
    if (!holder) return;
    holder.textContent = "";
    if (!view.image) { holder.appendChild(F.el("p", { class: "muted" }, "图像无法显示")); return; }
    const img = F.el("img", { src: view.image, alt: "发票图像", width: view.width, height: view.height });
    holder.appendChild(img);
    Object.keys(view.boxes || {}).forEach(function (field) {
      const b = view.boxes[field];
      const row = form.querySelector('[data-row="' + field + '"]');
      const flag = row ? (row.classList.contains("flag-check") ? "check" : row.classList.contains("flag-low") ? "low" : "") : "";
      const pad = 4;
      const div = F.el("div", { class: "box " + flag, "data-box": field, title: F.FIELD_LABELS[field] || field });
      div.style.left = ((b[0] - pad) / view.width * 100) + "%";
      div.style.top = ((b[1] - pad) / view.height * 100) + "%";
      div.style.width = ((b[2] - b[0] + 2 * pad) / view.width * 100) + "%";
      div.style.height = ((b[3] - b[1] + 2 * pad) / view.height * 100) + "%";
      div.appendChild(F.el("span", { class: "box-label" }, F.FIELD_LABELS[field] || field));
      div.addEventListener("mousedown", function (e) {
        e.preventDefault();
        const input = form.querySelector('[data-field="' + field + '"]');
        if (input) input.focus();
      });
      holder.appendChild(div);
      boxes[field] = div;
    });
    const count = Object.keys(view.boxes || {}).length;
    if (note) {
      note.textContent = count ? "框出 " + count + " 个字段的识别位置；红框为校验失败，黄框为置信度低。"
        : (view.source === "original" ? "原始图像（未记录字段位置）" : "");
    }
    const active = document.activeElement;
    if (active && active.dataset && active.dataset.field) highlight(active.dataset.field);
  }

  function highlight(field) {
    Object.keys(boxes).forEach(function (k) { boxes[k].classList.toggle("focus", k === field); });
    const box = boxes[field];
    const frame = document.getElementById("page-frame");
    if (box && frame) {
      const top = box.offsetTop - frame.clientHeight / 3;
      const left = box.offsetLeft - frame.clientWidth / 4;
      frame.scrollTo({ top: Math.max(0, top), left: Math.max(0, left), behavior: "smooth" });
    }
  }

  if (document.getElementById("page-image")) {
    F.call("GET", root.dataset.viewUrl).then(function (r) { if (r.ok) drawView(r.data); });
  }

  form.addEventListener("focusin", function (e) {
    const field = e.target.dataset ? e.target.dataset.field : null;
    form.querySelectorAll(".field.focused").forEach(function (n) { n.classList.remove("focused"); });
    const row = e.target.closest(".field");
    if (row) row.classList.add("focused");
    highlight(field || "");
  });

  /* ---- keyboard ---- */
  function flagged() {
    return Array.prototype.slice.call(form.querySelectorAll("[data-flag]")).filter(function (n) {
      return n.offsetParent !== null && !n.disabled;
    });
  }
  function moveFlagged(from, step) {
    const list = flagged();
    const index = list.indexOf(from);
    const next = list[index + step];
    if (next) { next.focus(); if (next.select) next.select(); }
    else if (step > 0) approveButton.focus();
    else if (list.length) list[list.length - 1].focus();
  }

  document.addEventListener("keydown", function (e) {
    const inPicker = e.target.id === "customer-search";
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); approve(); return; }
    if (e.altKey && e.code === "KeyA") { e.preventDefault(); approve(); return; }
    if (e.altKey && e.code === "KeyR") { e.preventDefault(); openReject(); return; }
    if (e.altKey && e.code === "KeyN") { e.preventDefault(); window.location.href = root.dataset.nextUrl; return; }
    if (e.key === "Escape" && !rejectPanel.hidden) { e.preventDefault(); closeReject(); return; }
    if (e.key === "Enter" && e.target === rejectReason) { e.preventDefault(); reject(); return; }
    if (e.key === "Enter" && !inPicker && form.contains(e.target) && e.target.matches("input, select, textarea")) {
      if (e.target.tagName === "TEXTAREA" && e.shiftKey) return;
      e.preventDefault();
      moveFlagged(e.target, e.shiftKey ? -1 : 1);
    }
  });

  const first = flagged()[0];
  if (first) { first.focus(); if (first.select) first.select(); } else if (!approveButton.disabled) approveButton.focus();

  /* ---- customer picker (fuzzy search) ---- */
  const search = document.getElementById("customer-search");
  const results = document.getElementById("customer-results");
  let timer = null, hits = [], active = -1;
  function renderHits() {
    results.textContent = "";
    hits.forEach(function (h, i) {
      const li = F.el("li", { role: "option", id: "customer-hit-" + i, "aria-selected": i === active ? "true" : "false" });
      li.appendChild(F.el("strong", {}, h.name));
      li.appendChild(F.el("small", {}, " " + (h.tax_id || "") + (h.matched && h.matched !== h.name ? " · " + h.matched : "") + " · " + Math.round(h.score) + "%"));
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
      results.appendChild(li);
    });
    results.hidden = hits.length === 0;
    search.setAttribute("aria-expanded", hits.length ? "true" : "false");
    if (active >= 0) search.setAttribute("aria-activedescendant", "customer-hit-" + active);
  }
  function choose(i) {
    const h = hits[i];
    if (!h) return;
    chosenCustomer = h.id;
    document.getElementById("customer-current").textContent = h.name + (h.tax_id ? "（" + h.tax_id + "）" : "") + " ✓";
    search.value = "";
    hits = []; active = -1; renderHits();
    moveFlagged(search, 1);
  }
  if (search) {
    search.addEventListener("input", function () {
      clearTimeout(timer);
      const q = search.value.trim();
      if (!q) { hits = []; renderHits(); return; }
      timer = setTimeout(function () {
        F.call("GET", "/customers/search.json?q=" + encodeURIComponent(q)).then(function (r) {
          if (r.ok && search.value.trim() === q) { hits = r.data.items; active = hits.length ? 0 : -1; renderHits(); }
        });
      }, 120);
    });
    search.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" && hits.length) { e.preventDefault(); active = (active + 1) % hits.length; renderHits(); }
      else if (e.key === "ArrowUp" && hits.length) { e.preventDefault(); active = (active - 1 + hits.length) % hits.length; renderHits(); }
      else if (e.key === "Enter" && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        if (active >= 0) choose(active); else moveFlagged(search, e.shiftKey ? -1 : 1);
      } else if (e.key === "Escape") { hits = []; renderHits(); }
    });
  }

  /* ---- approve / reject through the audited API ---- */
  function corrections() {
    const out = {};
    form.querySelectorAll("[data-field]").forEach(function (input) {
      if (input.value === input.dataset.initial) return;
      const name = input.dataset.field;
      let value = input.value.trim();
      if (name === "is_red") value = value === "true";
      else if (value === "") value = null;
      out[name] = value;
    });
    const cells = form.querySelectorAll("[data-line]");
    let linesChanged = false;
    cells.forEach(function (c) { if (c.value !== c.dataset.initial) linesChanged = true; });
    if (linesChanged) {
      const items = [];
      cells.forEach(function (c) {
        const i = Number(c.dataset.line);
        items[i] = items[i] || {};
        const v = c.value.trim();
        items[i][c.dataset.col] = v === "" ? null : v;
      });
      out.items = items;
    }
    return out;
  }

  function clearErrors() {
    form.querySelectorAll(".error-text").forEach(function (p) { p.hidden = true; p.textContent = ""; });
    form.querySelectorAll(".field.has-error").forEach(function (n) { n.classList.remove("has-error"); });
  }
  function showProblems(list) {
    const general = [];
    let firstField = null;
    list.forEach(function (p) {
      const slot = p.field ? form.querySelector('[data-error-for="' + p.field + '"]') : null;
      if (slot) {
        slot.hidden = false;
        slot.textContent = (slot.textContent ? slot.textContent + "；" : "") + p.message;
        const row = slot.closest(".field");
        if (row) row.classList.add("has-error");
        if (!firstField) firstField = form.querySelector('[data-field="' + p.field + '"]');
      } else general.push((p.field ? (F.FIELD_LABELS[p.field] || p.field) + "：" : "") + p.message);
    });
    status.className = "status-line error";
    status.textContent = general.length ? general.join("；") : "有字段未通过校验，请更正后再确认。";
    if (firstField) firstField.focus();
  }

  let busy = false;
  async function approve() {
    if (busy || approveButton.disabled) return;
    busy = true;
    clearErrors();
    const body = {};
    const changes = corrections();
    if (Object.keys(changes).length) body.corrections = changes;
    if (chosenCustomer !== null) body.customer_id = chosenCustomer;
    if (override && override.checked) body.override_checks = true;
    status.className = "status-line"; status.textContent = "正在提交…";
    const r = await F.call("POST", "/api/v1/review/" + invoiceId + "/approve", body);
    busy = false;
    if (r.ok) {
      status.className = "status-line ok";
      status.textContent = "已确认 #" + invoiceId + "，转到下一张…";
      root.dataset.done = "approved";
      setTimeout(function () { window.location.href = root.dataset.nextUrl; }, 400);
      return;
    }
    if (r.status === 422) overrideRow.hidden = false;
    showProblems(F.problems(r.data));
  }

  function openReject() {
    if (document.getElementById("reject-open").disabled) return;
    rejectPanel.hidden = false; rejectReason.focus();
  }
  function closeReject() { rejectPanel.hidden = true; document.getElementById("reject-open").focus(); }
  async function reject() {
    const reason = rejectReason.value.trim();
    if (!reason) { status.className = "status-line error"; status.textContent = "请填写驳回原因"; rejectReason.focus(); return; }
    const r = await F.call("POST", "/api/v1/review/" + invoiceId + "/reject", { reason: reason });
    if (r.ok) {
      status.className = "status-line ok"; status.textContent = "已驳回 #" + invoiceId + "，转到下一张…";
      root.dataset.done = "rejected";
      setTimeout(function () { window.location.href = root.dataset.nextUrl; }, 400);
    } else showProblems(F.problems(r.data));
  }
  async function reopen() {
    const input = document.getElementById("reopen-reason");
    const reason = input.value.trim();
    if (!reason) { status.className = "status-line error"; status.textContent = "请填写重新打开的原因"; input.focus(); return; }
    const r = await F.call("POST", "/api/v1/review/" + invoiceId + "/reopen", { reason: reason });
    if (r.ok) {
      status.className = "status-line ok"; status.textContent = "已重新打开 #" + invoiceId;
      root.dataset.done = "reopened";
      setTimeout(function () { window.location.reload(); }, 400);
    } else showProblems(F.problems(r.data));
  }
  const reopenButton = document.getElementById("reopen");
  if (reopenButton) {
    reopenButton.addEventListener("click", reopen);
    document.getElementById("reopen-reason").addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); e.stopPropagation(); reopen(); }
    });
  }
  approveButton.addEventListener("click", approve);
  document.getElementById("reject-open").addEventListener("click", openReject);
  document.getElementById("reject").addEventListener("click", reject);
  document.getElementById("reject-cancel").addEventListener("click", closeReject);
})();
