/* Phone page: take a photo, see it, send it; the server answers at once with
   what is wrong with the picture (blur, dark, glare, cut off) and the page
   polls until the invoice has been read, then shows the main fields. */
"use strict";
(function () {
  const F = window.fapiao;
  const input = document.getElementById("photo-input");
  const preview = document.getElementById("preview");
  const img = document.getElementById("preview-img");
  const stateCard = document.getElementById("state-card");
  const progress = document.getElementById("photo-progress");
  const state = document.getElementById("photo-state");
  const qualityCard = document.getElementById("quality-card");
  const problemsList = document.getElementById("quality-problems");
  const readCard = document.getElementById("read-card");
  const cameraText = document.getElementById("camera-text");
  let objectUrl = null;
  let generation = 0;

  function say(text, cls) { state.textContent = text; state.className = cls || ""; }

  input.addEventListener("change", function () {
    const file = input.files && input.files[0];
    if (!file) return;
    generation++;
    const mine = generation;
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = URL.createObjectURL(file);
    img.src = objectUrl;
    preview.hidden = false;
    qualityCard.hidden = true; readCard.hidden = true; stateCard.hidden = false;
    progress.hidden = false; progress.value = 0;
    say("正在上传…");
    const form = new FormData();
    form.append("photo", file, file.name || "photo.jpg");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/m/photos");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) progress.value = Math.round(e.loaded / e.total * 100); };
    xhr.onload = function () {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      if (mine !== generation) return;
      if (xhr.status !== 200 || !data) { say("提交失败：" + F.problems(data).map(function (p) { return p.message; }).join("；"), "error"); return; }
      showQuality(data.quality);
      cameraText.textContent = "再拍一张";
      say(data.duplicate ? "这张照片之前已提交过。" : "已提交，正在识别…");
      watch(data.document_id, mine);
    };
    xhr.onerror = function () { say("网络错误，请重试", "error"); };
    xhr.send(form);
    input.value = "";
  });

  function showQuality(q) {
    problemsList.textContent = "";
    if (!q || !q.problems || !q.problems.length) { qualityCard.hidden = true; return; }
    q.problems.forEach(function (p) {
      const li = F.el("li", { "data-code": p.code });
      li.appendChild(F.el("strong", {}, p.message));
      li.appendChild(F.el("span", { class: "hint" }, p.hint));
      problemsList.appendChild(li);
    });
    qualityCard.hidden = false;
    cameraText.textContent = "重拍";
  }

  function watch(id, mine) {
    let delay = 600;
    function poll() {
      if (mine !== generation) return;
      F.call("GET", "/api/v1/documents/" + id).then(function (r) {
        if (mine !== generation) return;
        if (!r.ok) { setTimeout(poll, 2000); return; }
        const d = r.data;
        if (d.status === "done" && d.invoice_ids.length) {
          progress.hidden = true;
          say("识别完成", "ok");
          showInvoice(d.invoice_ids[0]);
        } else if (d.status === "failed" || d.status === "done") {
          progress.hidden = true;
          say("未能识别：" + (d.error || "未找到发票") + "。请重拍。", "error");
          cameraText.textContent = "重拍";
        } else {
          say(d.status === "processing" ? "正在识别…" : "排队中…");
          delay = Math.min(delay * 1.3, 3000);
          setTimeout(poll, delay);
        }
      });
    }
    poll();
  }

  function showInvoice(invoiceId) {
    F.call("GET", "/api/v1/invoices/" + invoiceId).then(function (r) {
      if (!r.ok) return;
      const inv = r.data;
      const dl = document.getElementById("read-fields");
      dl.textContent = "";
      [["invoice_number", inv.invoice_number], ["issue_date", inv.issue_date], ["buyer_name", inv.buyer_name],
       ["amount_with_tax", inv.amount_with_tax], ["seller_name", inv.seller_name]].forEach(function (pair) {
        dl.appendChild(F.el("dt", {}, F.FIELD_LABELS[pair[0]]));
        dl.appendChild(F.el("dd", { "data-field": pair[0] }, pair[1] === null || pair[1] === undefined ? "（未识别）" : String(pair[1])));
      });
      const reasons = document.getElementById("read-reasons");
      reasons.textContent = "";
      if (inv.status === "needs_review") {
        reasons.appendChild(F.el("p", { class: "notice warn" }, "需要复核：" + inv.review_reasons.map(function (x) { return x.message; }).join("；")));
      } else {
        reasons.appendChild(F.el("p", { class: "notice ok" }, inv.is_red ? "红字发票，已记录" : "已记录"));
      }
      document.getElementById("read-link").href = "/invoices/" + inv.id;
      readCard.hidden = false;
    });
  }
})();
