/* Upload page: each file is sent on its own request (so each has its own progress
   bar), at most three at a time; then each document is polled until done or failed. */
"use strict";
(function () {
  const F = window.fapiao;
  const input = document.getElementById("files");
  const zone = document.getElementById("dropzone");
  const tbody = document.querySelector("#uploads tbody");
  const wrap = document.getElementById("upload-table-wrap");
  const summary = document.getElementById("upload-summary");
  const queue = [];
  let running = 0;
  const counts = { done: 0, failed: 0, total: 0 };

  function row(name) {
    const tr = F.el("tr", { class: "upload-row" });
    tr.appendChild(F.el("td", { class: "filename" }, name));
    const bar = F.el("progress", { max: "100", value: "0" });
    const td = F.el("td", { class: "progress-col" }); td.appendChild(bar); tr.appendChild(td);
    tr.appendChild(F.el("td", { class: "state" }, "等待上传"));
    tr.appendChild(F.el("td", { class: "invoices" }));
    tbody.appendChild(tr);
    wrap.hidden = false;
    return tr;
  }
  function setState(tr, state, text) {
    tr.dataset.state = state;
    const cell = tr.querySelector(".state");
    cell.className = "state s-" + state;
    cell.textContent = text;
  }
  function updateSummary() {
    summary.textContent = "共 " + counts.total + " 个文件：完成 " + counts.done + "，失败 " + counts.failed + "。";
  }

  function add(files) {
    Array.prototype.forEach.call(files, function (file) {
      const tr = row(file.name);
      queue.push({ file: file, tr: tr });
    });
    pump();
  }
  function pump() {
    while (running < 3 && queue.length) {
      const job = queue.shift();
      running++;
      send(job).finally(function () { running--; pump(); });
    }
  }

  function send(job) {
    return new Promise(function (resolve) {
      const form = new FormData();
      form.append("files", job.file, job.file.name);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/v1/documents");
      xhr.setRequestHeader("Accept", "application/json");
      const bar = job.tr.querySelector("progress");
      setState(job.tr, "uploading", "上传中");
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = Math.round(e.loaded / e.total * 100); };
      xhr.onload = function () {
        let data = null;
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
        bar.value = 100;
        if (xhr.status === 202 && data) accepted(job.tr, data);
        else { counts.total++; counts.failed++; setState(job.tr, "failed", "失败：" + F.problems(data).map(function (p) { return p.message; }).join("；")); updateSummary(); }
        resolve();
      };
      xhr.onerror = function () { counts.total++; counts.failed++; setState(job.tr, "failed", "失败：网络错误"); updateSummary(); resolve(); };
      xhr.send(form);
    });
  }

  function accepted(tr, data) {
    const docs = data.documents || [];
    const refused = data.refused || [];
    /* a ZIP expands to several documents: the first takes the file's row, the others get their own */
    docs.forEach(function (doc, i) {
      let target = tr;
      if (i > 0 || docs.length + refused.length > 1) {
        target = i === 0 ? tr : row(doc.filename);
        if (docs.length + refused.length > 1) target.querySelector(".filename").textContent = doc.filename;
      }
      target.querySelector("progress").value = 100;
      target.dataset.documentId = doc.id;
      counts.total++;
      watch(target, doc.id, doc.duplicate);
    });
    refused.forEach(function (r) {
      const t = docs.length ? row(r.filename) : tr;
      t.querySelector("progress").value = 100;
      counts.total++; counts.failed++;
      setState(t, "failed", "失败：" + r.detail);
    });
    updateSummary();
  }

  function watch(tr, id, duplicate) {
    let delay = 700;
    const note = duplicate ? "（此文件之前已上传）" : "";
    function poll() {
      F.call("GET", "/api/v1/documents/" + id).then(function (r) {
        if (!r.ok) { setTimeout(poll, 3000); return; }
        const d = r.data;
        if (d.status === "done") {
          counts.done++;
          setState(tr, "done", F.STATUS.done + note);
          const cell = tr.querySelector(".invoices");
          cell.textContent = "";
          d.invoice_ids.forEach(function (iid, k) {
            if (k) cell.appendChild(document.createTextNode(" "));
            cell.appendChild(F.el("a", { href: "/invoices/" + iid, class: "invoice-link" }, "发票 #" + iid));
          });
          if (d.error) cell.appendChild(F.el("div", { class: "muted small" }, d.error));
          updateSummary();
        } else if (d.status === "failed") {
          counts.failed++;
          setState(tr, "failed", "失败：" + (d.error || "未知原因"));
          updateSummary();
        } else {
          setState(tr, d.status, F.STATUS[d.status] + note);
          delay = Math.min(delay * 1.3, 4000);
          setTimeout(poll, delay);
        }
      });
    }
    poll();
  }

  input.addEventListener("change", function () { add(input.files); input.value = ""; });
  ["dragenter", "dragover"].forEach(function (t) {
    zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (e) { if (e.dataTransfer && e.dataTransfer.files.length) add(e.dataTransfer.files); });
})();
