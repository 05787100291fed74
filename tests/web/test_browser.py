"""The acceptance flows, driven in headless Chromium against a real server:
upload and see a file processed; correct a field and approve with the
keyboard only, then see the record and its audit entry change; submit a
phone photo from a 375×812 viewport; import a spreadsheet with one bad row.
Screenshots of the review screen and the phone page are kept as artifacts."""
from __future__ import annotations

import re

import pytest

from store.models import AuditEntry, Invoice
from tests.web import extractor
from tests.web.conftest import log_in
from tests.web.samples import SAMPLE_PDF, invoice_sheet, photo_of, png, sample_page, wrong_check_digit

pytestmark = [pytest.mark.slow, pytest.mark.browser]
FACTORY_SELLER_ID = "91310115681234567"


def _context(chromium, **kwargs):
    context = chromium.new_context(locale="zh-CN", **kwargs)
    context.set_default_timeout(15_000)
    return context


def test_upload_a_file_and_see_it_processed(web_server, chromium, tmp_path) -> None:
    context = _context(chromium)
    page = context.new_page()
    log_in(page, web_server.url, "clerk")
    assert page.url.endswith("/upload")
    nav = page.locator("nav.nav a")
    assert "上传发票" in nav.all_inner_texts()[0] and "待复核" not in " ".join(nav.all_inner_texts())

    page.set_input_files("#files", str(SAMPLE_PDF))
    row = page.locator("tr.upload-row").first
    row.locator(".state.s-done").wait_for()
    assert row.locator(".filename").inner_text() == SAMPLE_PDF.name
    link = row.locator("a.invoice-link")
    assert link.count() == 1
    link.click()
    page.wait_for_url(re.compile(r"/invoices/\d+$"))
    _, _, record = sample_page()
    assert page.locator('dd[data-field="invoice_number"]').inner_text().startswith(record["invoice_number"])
    # the page image is rendered on request: wait for it to load (a busy CI machine took longer than the
    # navigation), then check it decoded to a real picture
    page.wait_for_function("() => { const i = document.querySelector('img.page-img'); return i && i.complete; }")
    assert page.locator("img.page-img").evaluate("img => img.naturalWidth > 0")

    # a ZIP: one row per file inside, each with its own outcome
    import zipfile

    bundle = tmp_path / "batch.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.write(SAMPLE_PDF.with_name("inv_0018.pdf"), "inv_0018.pdf")
        archive.writestr("notes.txt", "not an invoice")
    page.goto(f"{web_server.url}/upload")
    page.set_input_files("#files", str(bundle))
    page.locator("tr.upload-row .state.s-done").wait_for()
    page.locator("tr.upload-row .state.s-failed").wait_for()
    rows = {r.locator(".filename").inner_text(): r.get_attribute("data-state") for r in page.locator("tr.upload-row").all()}
    assert rows == {"inv_0018.pdf": "done", "notes.txt": "failed"}
    assert "共 2 个文件：完成 1，失败 1" in page.locator("#upload-summary").inner_text()
    context.close()


def _review_case(web_server) -> tuple[int, str]:
    """A scanned red invoice whose buyer tax ID was misread (failed check) and
    whose seller name was read with low confidence, processed by the worker."""
    image, boxes, record = sample_page()
    planted = dict(record, buyer_tax_id=wrong_check_digit(record["buyer_tax_id"]),
                   confidence=dict(record["confidence"], seller_name=0.55))
    data = png(image)
    extractor.plant(web_server.runtime.settings.var_dir, data, [planted], page_image=image, boxes=boxes)
    with web_server.api("clerk") as client:
        response = client.post("/api/v1/documents", files=[("files", ("scan.png", data, "image/png"))])
    assert response.status_code == 202, response.text
    document_id = response.json()["documents"][0]["id"]
    web_server.wait_for_documents([document_id])
    with web_server.runtime.read() as session:
        invoice = session.query(Invoice).filter_by(document_id=document_id).one()
        assert invoice.status == "needs_review", invoice.review_reasons
        return invoice.id, record["buyer_tax_id"]


def test_review_with_the_keyboard_only(web_server, chromium, screenshots) -> None:
    invoice_id, right_tax_id = _review_case(web_server)
    context = _context(chromium, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    log_in(page, web_server.url, "reviewer")
    assert page.url.endswith("/review")
    assert page.locator("span.badge.check").count() >= 1 and page.locator("span.badge.low").count() >= 1

    page.keyboard.press("Enter")  # the first (riskiest) item has the focus
    page.wait_for_url(re.compile(rf"/review/{invoice_id}$"))
    page.locator(".box").first.wait_for()
    focused = page.evaluate("document.activeElement.dataset.field")
    assert focused == "buyer_tax_id"  # the failed check comes first
    assert page.locator('[data-row="buyer_tax_id"]').get_attribute("class").count("flag-check") == 1
    assert "flag-low" in page.locator('[data-row="seller_name"]').get_attribute("class")
    assert "focus" in page.locator('.box[data-box="buyer_tax_id"]').get_attribute("class")
    assert "check" in page.locator('.box[data-box="buyer_tax_id"]').get_attribute("class")
    assert "low" in page.locator('.box[data-box="seller_name"]').get_attribute("class")
    assert "未关联蓝字发票" in page.locator("#link-status").inner_text()
    page.screenshot(path=str(screenshots / "review-screen.png"), full_page=False)

    page.keyboard.type(right_tax_id)  # replaces the selected misreading
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.dataset.field") == "seller_name"
    assert "focus" in page.locator('.box[data-box="seller_name"]').get_attribute("class")
    page.screenshot(path=str(screenshots / "review-screen-next-field.png"))
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(r"/review\?done=1$"))

    with web_server.runtime.read() as session:
        invoice = session.get(Invoice, invoice_id)
        assert invoice.status == "accepted" and invoice.buyer_tax_id == right_tax_id
        assert invoice.field_sources["buyer_tax_id"] == "corrected"
        entries = session.query(AuditEntry).filter_by(entity="invoice", entity_id=invoice_id).all()
        changes = [(e.action, e.field, e.old_value, e.new_value, e.actor) for e in entries]
    assert ("correct", "buyer_tax_id", wrong_check_digit(right_tax_id), right_tax_id, "reviewer") in changes
    assert ("approve", "status", "needs_review", "accepted", "reviewer") in changes

    page.goto(f"{web_server.url}/invoices/{invoice_id}")
    audit_row = page.locator('#audit tr[data-action="correct"][data-field="buyer_tax_id"]')
    assert audit_row.locator("td.new").inner_text() == right_tax_id
    assert page.locator('#audit tr[data-action="approve"]').count() == 1
    assert page.locator('dd[data-field="buyer_tax_id"]').inner_text().startswith(right_tax_id)
    context.close()


def test_reject_with_a_reason_from_the_keyboard(web_server, chromium) -> None:
    invoice_id, _ = _review_case(web_server)
    context = _context(chromium)
    page = context.new_page()
    log_in(page, web_server.url, "reviewer", next_path=f"/review/{invoice_id}")
    page.locator(".box").first.wait_for()
    assert page.evaluate("document.activeElement.dataset.field") == "buyer_tax_id"
    page.keyboard.press("Tab")  # flagged fields come first in tab order
    assert page.evaluate("document.activeElement.dataset.field") == "seller_name"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "approve"
    page.keyboard.press("Alt+R")
    page.keyboard.type("重复扫描")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/review\?done=1$"))
    with web_server.runtime.read() as session:
        assert session.get(Invoice, invoice_id).status == "rejected"
    context.close()


def test_phone_photo_from_a_375px_screen(web_server, chromium, screenshots) -> None:
    image, _boxes, record = sample_page()
    photo = photo_of(image, blur=5.0)  # out of focus: the page must say so
    extractor.plant(web_server.runtime.settings.var_dir, photo, [record], sleep=0.3)
    context = _context(chromium, viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True,
                       has_touch=True)
    page = context.new_page()
    log_in(page, web_server.url, "clerk", next_path="/m")
    assert page.url.endswith("/m")
    camera = page.locator("#photo-input")
    assert camera.get_attribute("accept") == "image/*" and camera.get_attribute("capture") == "environment"
    button = page.locator("#camera-label").bounding_box()
    assert button["y"] > 812 * 0.8 and button["width"] > 300 and button["height"] >= 48  # under the thumb
    path = web_server.runtime.settings.var_dir / "photo.jpg"
    path.write_bytes(photo)
    page.set_input_files("#photo-input", str(path))
    page.locator("#preview-img").wait_for()
    page.locator('#quality-problems li[data-code="blurry"]').wait_for()
    page.locator("#read-card").wait_for(state="visible")
    assert page.locator('#read-fields dd[data-field="invoice_number"]').inner_text() == record["invoice_number"]
    assert "请" in page.locator("#quality-problems .hint").first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing wider than the phone
    page.screenshot(path=str(screenshots / "mobile-photo.png"), full_page=True)
    context.close()


def test_import_with_one_bad_row(web_server, chromium, tmp_path) -> None:
    from tests.services.factories import BUYER_TAX_ID, SELLER_TAX_ID

    good = ["数电普票", "24312000000000000101", "2024-03-15", "深圳市甲乙科技有限公司", BUYER_TAX_ID,
            "上海丙丁贸易有限公司", SELLER_TAX_ID, "100.00", "13.00", "113.00", "*电子元件*贴片电容", "13%"]
    second = list(good)
    second[1] = "24312000000000000102"
    bad = list(good)
    bad[1], bad[4] = "24312000000000000103", wrong_check_digit(BUYER_TAX_ID)
    sheet = tmp_path / "发票导入.xlsx"
    sheet.write_bytes(invoice_sheet([good, bad, second]))

    context = _context(chromium)
    page = context.new_page()
    log_in(page, web_server.url, "clerk", next_path="/imports")
    with page.expect_download() as download:
        page.click("text=下载发票导入模板")
    assert download.value.suggested_filename.endswith(".xlsx")
    page.set_input_files("#invoices input[type=file]", str(sheet))
    page.click("#invoices button[type=submit]")
    report = page.locator("#import-report")
    report.wait_for()
    assert "已导入 2" in report.locator('[data-count="imported"]').inner_text()
    assert "拒绝 1" in report.locator('[data-count="rejected"]').inner_text()
    rejected = report.locator('tr[data-status="rejected"]')
    assert rejected.count() == 1 and rejected.get_attribute("data-row") == "3"
    assert "购买方纳税人识别号" in rejected.inner_text()
    context.close()
