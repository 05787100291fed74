"""The pages over HTTP (no browser): login, navigation by role, the review
queue's order and marks, page views with field boxes, customer search,
list filters, the phone endpoint's quality verdict, import errors."""
from __future__ import annotations

import re

import numpy as np

from fapiao.services.pageviews import load_page_view, save_page_view, view_paths
from fapiao.services.jobs import drain
from tests.services.factories import blue, digital_number, red
from tests.services.json_extractor import extract, png_with_records, record_for
from tests.web.conftest import PASSWORD
from tests.web.samples import SAMPLE_PDF, photo_of, sample_page


def _process(pages, drafts, role="clerk") -> list[int]:
    files = [("files", (f"{i}.png", png_with_records([record_for(d)], salt=str(i)), "image/png"))
             for i, d in enumerate(drafts)]
    response = pages.client.post("/api/v1/documents", headers=pages.as_(role), files=files)
    assert response.status_code == 202, response.text
    drain(pages.runtime, owner="test", extractor=extract)
    ids = []
    for doc in response.json()["documents"]:
        ids += pages.get(f"/api/v1/documents/{doc['id']}").json()["invoice_ids"]
    return ids


def test_login_sets_a_session_and_only_redirects_on_this_site(pages) -> None:
    wrong = pages.client.post("/login", data={"name": "clerk", "password": "nope-nope"}, follow_redirects=False)
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    ok = pages.client.post("/login", data={"name": "clerk", "password": PASSWORD, "next": "//evil.example/x"},
                           follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/"
    assert "httponly" in ok.headers["set-cookie"].lower() and "samesite=strict" in ok.headers["set-cookie"].lower()
    home = pages.client.get("/", follow_redirects=False)
    assert home.headers["location"] == "/upload"  # clerks land on the upload page
    out = pages.client.post("/logout", follow_redirects=False)
    assert out.headers["location"] == "/login"
    assert pages.client.get("/upload", follow_redirects=False).status_code == 303


def test_navigation_shows_what_the_role_may_use(pages) -> None:
    clerk = pages.get("/upload", "clerk").text
    reviewer = pages.get("/upload", "reviewer").text
    for label in ("上传发票", "拍照提交", "发票列表", "手工录入", "导入"):
        assert label in clerk and label in reviewer
    assert 'data-nav="review"' not in clerk and 'data-nav="customers"' not in clerk
    assert 'data-nav="review"' in reviewer and 'data-nav="customers"' in reviewer
    assert pages.get("/", "reviewer").headers["location"] == "/review"


def test_queue_puts_failed_checks_first_and_marks_them_apart(pages) -> None:
    low = blue(digital_number(1))
    low.confidence = {"buyer_name": 0.4}
    broken = blue(digital_number(2))
    broken.total_tax = broken.total_tax + 1
    low_id, broken_id = _process(pages, [low, broken])
    html = pages.get("/review", "reviewer").text
    order = [int(i) for i in re.findall(r'href="/review/(\d+)"', html)]
    assert order == [broken_id, low_id]
    assert 'class="badge check"' in html.split(f'/review/{low_id}"')[0]  # the failed check row comes first
    assert pages.get(f"/review/next?after={broken_id}", "reviewer").headers["location"] == f"/review/{low_id}"
    assert pages.get(f"/review/next?after={low_id}", "reviewer").headers["location"] == f"/review/{broken_id}"

    screen = pages.get(f"/review/{broken_id}", "reviewer").text
    assert re.search(r'data-row="total_tax"', screen) and "flag-check" in screen
    flagged = re.findall(r'data-field="(\w+)"[^>]*data-flag="(\w+)" tabindex="1"', screen)
    assert ("total_tax", "check") in flagged
    low_screen = pages.get(f"/review/{low_id}", "reviewer").text
    assert ("buyer_name", "low") in re.findall(r'data-field="(\w+)"[^>]*data-flag="(\w+)" tabindex="1"', low_screen)


def test_review_screen_shows_red_blue_link_status(pages) -> None:
    blue_id, red_id = _process(pages, [blue(digital_number(1)), red(digital_number(1), digital_number(5))])
    with pages.runtime.write() as session:  # put the red one in the queue to look at it
        from store.models import Invoice
        from fapiao.services.integrity import set_reasons

        invoice = session.get(Invoice, red_id)
        set_reasons(session=session, invoice=invoice, reasons=[{"code": "low_confidence", "message": "低", "field": "remarks"}])
    screen = pages.get(f"/review/{red_id}", "reviewer").text
    assert f'已关联蓝字发票 <a href="/invoices/{blue_id}">{digital_number(1)}</a>' in screen
    detail = pages.get(f"/invoices/{blue_id}", "reviewer").text
    assert f'href="/invoices/{red_id}"' in detail and "红字发票" in detail


def test_pdf_page_view_has_the_boxes_of_its_text_layer(pages) -> None:
    response = pages.client.post("/api/v1/documents", headers=pages.as_("clerk"),
                                 files=[("files", (SAMPLE_PDF.name, SAMPLE_PDF.read_bytes(), "application/pdf"))])
    from capture.pipeline import Pipeline

    drain(pages.runtime, owner="test", extractor=Pipeline().extract_file)
    (invoice_id,) = pages.get(f"/api/v1/documents/{response.json()['documents'][0]['id']}").json()["invoice_ids"]
    view = pages.get(f"/invoices/{invoice_id}/view.json", "clerk").json()
    image, boxes, _record = sample_page()
    assert view["source"] == "text_layer" and (view["width"], view["height"]) == (image.shape[1], image.shape[0])
    assert set(view["boxes"]) == set(boxes)
    assert view["boxes"]["invoice_number"] == [round(v, 1) for v in boxes["invoice_number"]]
    jpeg = pages.get(view["image"], "clerk")
    assert jpeg.status_code == 200 and jpeg.content[:3] == b"\xff\xd8\xff"
    assert pages.get(f"/invoices/{invoice_id}/page.jpg", "clerk2").status_code == 404  # not theirs


def test_page_views_scale_boxes_with_the_image(tmp_path) -> None:
    stored = tmp_path / "ab" / "cd" / ("f" * 64 + ".png")
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"x")
    image = np.full((1200, 4800, 3), 255, np.uint8)
    view = save_page_view(stored, 2, image, {"invoice_number": (4000, 100, 4400, 140), "empty": None})
    assert (view.width, view.height) == (2400, 600) and view.boxes == {"invoice_number": [2000.0, 50.0, 2200.0, 70.0]}
    again = load_page_view(stored, 2)
    assert again is not None and again.boxes == view.boxes and again.source == "capture"
    assert all(p.parent == stored.parent for p in view_paths(stored, 2))
    assert load_page_view(stored, 1) is None


def test_customer_picker_finds_names_aliases_and_tax_ids(pages) -> None:
    import io

    from tests.services.factories import BUYER_TAX_ID

    sheet = f"客户编号,客户名称,纳税人识别号,别名\nC1,深圳市甲乙科技有限公司,{BUYER_TAX_ID},甲乙科技\nC2,上海丙丁贸易有限公司,,\n"
    response = pages.client.post("/api/v1/imports/customers", headers=pages.as_("manager"),
                                 files={"file": ("c.csv", io.BytesIO(sheet.encode()), "text/csv")})
    assert response.status_code == 200, response.text
    fuzzy = pages.get("/customers/search.json?q=深圳甲乙科技", "reviewer").json()["items"]
    assert fuzzy and fuzzy[0]["name"] == "深圳市甲乙科技有限公司"
    by_alias = pages.get("/customers/search.json?q=甲乙科技", "reviewer").json()["items"]
    assert by_alias[0]["name"] == "深圳市甲乙科技有限公司"
    by_tax_id = pages.get(f"/customers/search.json?q={BUYER_TAX_ID[:8]}", "reviewer").json()["items"]
    assert [h["code"] for h in by_tax_id] == ["C1"] and by_tax_id[0]["score"] == 100.0
    assert pages.get("/customers/search.json?q=", "reviewer").json()["items"] == []


def test_invoice_list_filters_and_visibility(pages) -> None:
    _process(pages, [blue(digital_number(1)), red(digital_number(1), digital_number(2))])
    _process(pages, [blue(digital_number(3), amount="900.00")], role="clerk2")
    everything = pages.get("/invoices", "reviewer").text
    assert "共 3 张" in everything
    reds = pages.get("/invoices?is_red=true&q=&status=", "reviewer").text
    assert "共 1 张" in reds and digital_number(2) in reds
    bad = pages.get("/invoices?amount_min=abc&is_red=false", "reviewer").text
    assert "金额下限" in bad and "已忽略" in bad and "共 2 张" in bad
    assert "共 2 张" in pages.get("/invoices", "clerk").text  # their own only
    assert "共 1 张" in pages.get("/invoices?amount_min=500", "reviewer").text


def test_phone_endpoint_reports_photo_problems(pages) -> None:
    image, _boxes, _record = sample_page()
    sharp = pages.post("/m/photos", "clerk", files={"photo": ("a.jpg", photo_of(image), "image/jpeg")}).json()
    assert sharp["quality"]["ok"] and sharp["status"] == "queued" and sharp["document_id"] >= 1
    blurry = pages.post("/m/photos", "clerk", files={"photo": ("b.jpg", photo_of(image, blur=6), "image/jpeg")}).json()
    assert [p["code"] for p in blurry["quality"]["problems"]] == ["blurry"]
    assert blurry["quality"]["problems"][0]["hint"]
    again = pages.post("/m/photos", "clerk", files={"photo": ("a.jpg", photo_of(image), "image/jpeg")}).json()
    assert again["duplicate"] and again["document_id"] == sharp["document_id"]
    refused = pages.post("/m/photos", "clerk", files={"photo": ("x.jpg", b"not an image at all", "image/jpeg")})
    assert refused.status_code == 415 and "不支持" in refused.json()["detail"]


def test_import_page_reports_an_unreadable_table(pages) -> None:
    response = pages.post("/imports/invoices", "clerk", files={"file": ("a.xlsx", b"PK\x03\x04broken", "application/zip")})
    assert 400 <= response.status_code < 500 and 'class="notice error"' in response.text
    assert 'action="/imports/customers"' not in pages.get("/imports", "clerk").text  # customers: managers only
    assert 'action="/imports/customers"' in pages.get("/imports", "manager").text


def test_static_files_stay_inside_their_folder(pages) -> None:
    assert pages.get("/static/app.css", None).status_code == 200
    assert pages.get("/static/js/review.js", None).headers["content-type"].startswith("text/javascript")
    assert pages.get("/static/../core.py", None).status_code == 404
    assert pages.get("/static/%2e%2e/core.py", None).status_code == 404


def test_manual_entry_page_uses_the_api(pages) -> None:
    html = pages.get("/invoices/new", "clerk").text
    assert 'id="entry-form"' in html and "/static/js/entry.js" in html
    script = pages.get("/static/js/entry.js", None).text
    assert '"/api/v1/invoices"' in script  # same checks, same messages as the API


def test_receivables_import_page_for_managers(pages) -> None:
    from store.models import Customer

    with pages.runtime.write() as session:
        session.add(Customer(name="深圳市甲乙科技有限公司", code="C001"))
    sheet = ("客户编号,发票号码,应收金额,到期日,付款日期\n"
             "C001,24312000000000000001,1130.00,2024-05-01,2024-05-20\n"
             "C999,24312000000000000002,50.00,2024-05-01,\n").encode("utf-8")
    response = pages.post("/imports/payments", "manager", files={"file": ("aging.csv", sheet, "text/csv")})
    assert response.status_code == 200, response.text
    assert 'data-kind="payments"' in response.text
    assert 'data-count="imported">已导入 1' in response.text and 'data-count="rejected">拒绝 1' in response.text
    assert 'action="/imports/payments"' in pages.get("/imports", "manager").text
    assert 'action="/imports/payments"' not in pages.get("/imports", "clerk").text
    assert pages.post("/imports/payments", "clerk", files={"file": ("aging.csv", sheet, "text/csv")}).status_code == 403


def test_decided_invoices_offer_reopen_and_blues_show_what_remains_to_reverse(pages) -> None:
    """Issue #10: a reviewer reopens a decided invoice from its pages; a blue invoice shows
    its 剩余可冲红金额 (remaining reversible amount)."""
    blue_id, red_id = _process(pages, [blue(digital_number(1), amount="100.00"),
                                       red(digital_number(1), digital_number(5), amount="40.00")])
    detail = pages.get(f"/invoices/{blue_id}", "reviewer").text
    remaining = re.search(r'id="remaining-reversible".*?<span class="num">([^<]+)</span>', detail, re.S)
    assert remaining and remaining.group(1).strip().replace(",", "").endswith("67.80")  # 113.00 − 45.20
    assert f'href="/review/{blue_id}#reopen-panel"' in detail
    assert 'id="reopen-link"' not in pages.get(f"/invoices/{blue_id}", "clerk").text
    assert 'id="remaining-reversible"' not in pages.get(f"/invoices/{red_id}", "reviewer").text
    screen = pages.get(f"/review/{blue_id}", "reviewer").text
    assert 'id="reopen-panel"' in screen and 'id="reopen"' in screen
    response = pages.client.post(f"/api/v1/review/{blue_id}/reopen", headers=pages.as_("reviewer"),
                                 json={"reason": "客户说金额不对"})
    assert response.status_code == 200 and response.json()["status"] == "needs_review"
    assert 'id="reopen-panel"' not in pages.get(f"/review/{blue_id}", "reviewer").text
