"""Hundreds of malformed requests: each gets a 4xx with a message, never a 500.

Bad files, wrong types, huge fields, bad dates, SQL and HTML where digits
belong, path traversal, ZIP bombs, broken JSON, bad query and path values.
Hostile text in free-text fields is not an error: it is stored verbatim as
inert data (checked at the end).
"""
from __future__ import annotations

import io
import json
import random
import zipfile
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import make_users
from tests.services.factories import blue, digital_number
from tests.api.test_smoke import invoice_json
from tests.services.json_extractor import png_with_records, record_for

SQL = ["' OR '1'='1", "1; DROP TABLE invoices; --", "\" OR \"\"=\"", "1' UNION SELECT * FROM users --", "%' --", "\\'; --"]
HTML = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\"><svg onload=alert(1)>", "javascript:alert(1)"]
TRAVERSAL = ["../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/shadow", "....//....//etc/passwd", "%2e%2e%2f%2e%2e%2f"]
BAD_DATES = ["2024-02-30", "2024-13-01", "2024-00-10", "yesterday", "", "2024/03/15", "15.03.2024", "99999-01-01",
             "2024-3-5T", "２０２４-０３-１５", "2999-01-01", "1899-12-31", "0000-00-00", "2024-03-15'; --"]
BAD_MONEY = ["abc", "1e999", "NaN", "Infinity", "-Infinity", "1.005", "12345678901234567.00", "1,000.00", "", " ",
             "0x10", "1/2", "¥-", "--5", {"amount": 1}, [1], True]
WRONG_TYPES: list[Any] = [123, 12.5, True, None, [], {}, ["a"], {"$ne": 1}]


@dataclass
class Case:
    name: str
    method: str
    url: str
    role: str | None = "admin"
    kwargs: dict[str, Any] = field(default_factory=dict)
    expect: tuple[int, ...] = ()  # specific codes; empty = any 4xx


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> dict[str, Any]:
    return {"files": [("files", (name, data, content_type))]}


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares ``width``×``height`` pixels (a decompression bomb's header)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def file_cases() -> list[Case]:
    rng = random.Random(7)
    png = png_with_records([record_for(blue())])
    cases = []
    for size in (1, 3, 17, 100, 1000, 4096, 65536):
        for suffix in (".pdf", ".jpg", ".png", ".zip", ".ofd", ".tif"):
            data = bytes(rng.getrandbits(8) for _ in range(size))
            data = b"\x00" + data[1:] if data[:2] in (b"BM",) else data
            cases.append(Case(f"random-{size}{suffix}", "POST", "/api/v1/documents", "clerk", _upload(f"x{suffix}", data), (415,)))
    for name, data in {
        "empty.pdf": b"", "html.pdf": b"<html><body>invoice</body></html>", "script.jpg": b"#!/bin/sh\nrm -rf /\n",
        "elf.png": b"\x7fELF\x02\x01\x01" + b"\0" * 64, "exe.pdf": b"MZ\x90\x00" + b"\0" * 64,
        "truncated.pdf": b"%PD", "json.jpg": json.dumps({"a": 1}).encode(), "svg.png": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        "utf16.pdf": "发票".encode("utf-16"), "xml.ofd": b"<?xml version='1.0'?><OFD/>",
    }.items():
        cases.append(Case(f"file-{name}", "POST", "/api/v1/documents", "clerk", _upload(name, data)))
    bomb = _zip({"zeros.png": b"\0" * (40 * 1024 * 1024)})
    cases += [
        Case("pixel-bomb-png", "POST", "/api/v1/documents", "clerk", _upload("bomb.png", png_header(50_000, 50_000)), (413,)),
        Case("pixel-bomb-in-zip", "POST", "/api/v1/documents", "clerk",
             _upload("b.zip", _zip({"bomb.png": png_header(30_000, 20_000)})), (413,)),
        Case("damaged-png", "POST", "/api/v1/documents", "clerk", _upload("d.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40), (415,)),
        Case("zip-bomb-ratio", "POST", "/api/v1/documents", "clerk", _upload("bomb.zip", bomb), (400,)),
        Case("zip-too-many-members", "POST", "/api/v1/documents", "clerk",
             _upload("many.zip", _zip({f"{i}.txt": b"x" for i in range(40)})), (400,)),
        Case("zip-nested", "POST", "/api/v1/documents", "clerk",
             _upload("nested.zip", _zip({"inner.zip": _zip({"a.png": png})})), (415,)),
        Case("zip-only-junk", "POST", "/api/v1/documents", "clerk",
             _upload("junk.zip", _zip({"a.txt": b"hello", "b.exe": b"MZ"})), (415,)),
        Case("zip-corrupt", "POST", "/api/v1/documents", "clerk", _upload("bad.zip", b"PK\x03\x04" + b"\xff" * 200), (400,)),
        Case("zip-empty", "POST", "/api/v1/documents", "clerk", _upload("empty.zip", _zip({}))),
        Case("no-files-field", "POST", "/api/v1/documents", "clerk", {"data": {"x": "1"}}, (422,)),
        Case("files-as-text", "POST", "/api/v1/documents", "clerk", {"data": {"files": "not a file"}}, (422,)),
        Case("json-instead-of-multipart", "POST", "/api/v1/documents", "clerk", {"json": {"files": []}}, (422,)),
        Case("oversize-body", "POST", "/api/v1/documents", "clerk", _upload("big.pdf", b"%PDF-" + b"0" * (3 * 2**20)), (413,)),
        Case("oversize-content-length", "POST", "/api/v1/invoices", "clerk",
             {"content": b"{}", "headers": {"Content-Length": str(10**12), "Content-Type": "application/json"}}, (413,)),
        Case("too-many-files", "POST", "/api/v1/documents", "clerk",
             {"files": [("files", (f"{i}.png", b"x", "image/png")) for i in range(101)]}, (400,)),
    ]
    for name in TRAVERSAL:
        cases.append(Case(f"traversal-junk-{name}", "POST", "/api/v1/documents", "clerk", _upload(name, b"not an image"), (415,)))
    for kind in ("invoices", "customers"):
        url = f"/api/v1/imports/{kind}"
        cases += [
            Case(f"import-{kind}-png", "POST", url, "manager", {"files": {"file": ("a.xlsx", png)}}, (400,)),
            Case(f"import-{kind}-xls", "POST", url, "manager", {"files": {"file": ("a.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 512)}}, (400,)),
            Case(f"import-{kind}-bomb", "POST", url, "manager", {"files": {"file": ("a.xlsx", bomb)}}, (400,)),
            Case(f"import-{kind}-empty", "POST", url, "manager", {"files": {"file": ("a.csv", b"")}}, (400,)),
            Case(f"import-{kind}-no-header", "POST", url, "manager", {"files": {"file": ("a.csv", "甲,乙\n丙,丁\n".encode())}}, (400,)),
            Case(f"import-{kind}-binary", "POST", url, "manager", {"files": {"file": ("a.csv", b"\x00\x01\x02" * 100)}}, (400,)),
            Case(f"import-{kind}-no-file", "POST", url, "manager", {}, (422,)),
            Case(f"import-{kind}-bad-encoding", "POST", url, "manager", {"files": {"file": ("a.csv", b"\xff\xfe\xfa" * 50)}}, (400,)),
        ]
    return cases


def invoice_body_cases() -> list[Case]:
    good = invoice_json(blue(digital_number(900)))
    cases = []

    def variant(name: str, **changes: Any) -> None:
        body = dict(good)
        for key, value in changes.items():
            if value is ...:
                body.pop(key, None)
            else:
                body[key] = value
        cases.append(Case(name, "POST", "/api/v1/invoices", "clerk", {"json": body}, (422,)))

    for index, value in enumerate(BAD_DATES):
        variant(f"date-{index}", issue_date=value)
    for field_name in ("total_amount", "total_tax", "amount_with_tax"):
        for index, value in enumerate(BAD_MONEY):
            variant(f"money-{field_name}-{index}", **{field_name: value})
    for field_name in ("invoice_number", "invoice_code", "buyer_tax_id", "seller_tax_id", "check_code", "buyer_name",
                       "issue_date", "invoice_type", "is_red", "items"):
        for index, value in enumerate(WRONG_TYPES):
            if field_name == "is_red" and value in (True, None):
                continue
            if field_name in ("invoice_code", "check_code", "buyer_tax_id") and value is None:
                continue
            if field_name == "items" and value in ([], None):
                continue
            variant(f"type-{field_name}-{index}", **{field_name: value})
    for field_name in ("invoice_number", "invoice_code", "buyer_tax_id", "seller_tax_id", "check_code", "invoice_type",
                       "red_info_number", "original_invoice_number"):
        for index, value in enumerate(SQL + HTML):
            variant(f"hostile-{field_name}-{index}", **{field_name: value})
    for field_name, size in (("buyer_name", 10_000), ("seller_name", 201), ("remarks", 100_000), ("invoice_number", 5000),
                             ("amount_in_words", 1000), ("buyer_tax_id", 33)):
        variant(f"huge-{field_name}", **{field_name: "发" * size})
    variant("huge-items", items=[good["items"][0]] * 201)
    for field_name in ("invoice_type", "invoice_number", "issue_date"):
        variant(f"missing-{field_name}", **{field_name: ...})
    variant("unknown-field", secret_admin=True)
    variant("red-without-reference", is_red=True)
    variant("sum-mismatch", amount_with_tax="114.00")
    variant("negative-blue", total_amount="-100.00", total_tax="-13.00", amount_with_tax="-113.00")
    for index, raw in enumerate([b"{", b"null", b"[]", b'"str"', b"123", b"\xff\xfe\x00", b'{"a":', b"{'a': 1}", b"", b"\x00" * 10]):
        cases.append(Case(f"broken-json-{index}", "POST", "/api/v1/invoices", "clerk",
                          {"content": raw, "headers": {"Content-Type": "application/json"}}, (422, 400)))
    for index, (content_type, raw) in enumerate([("application/xml", b"<invoice/>"), ("text/plain", b"hello"),
                                                 ("application/x-www-form-urlencoded", b"a=1")]):
        cases.append(Case(f"wrong-content-type-{index}", "POST", "/api/v1/invoices", "clerk",
                          {"content": raw, "headers": {"Content-Type": content_type}}, (422, 415, 400)))
    return cases


def query_and_path_cases() -> list[Case]:
    cases = []
    bad_queries = {
        "date_from": BAD_DATES[:10], "date_to": ["2024-02-30", "x"], "amount_min": ["-1", "abc", "NaN", "1e999", "1.001"],
        "amount_max": ["-0.01", "Infinity"], "limit": ["0", "201", "-5", "x", "1.5"], "offset": ["-1", "10000000000", "x"],
        "is_red": ["maybe", "2", "<script>"], "needs_review": ["perhaps"], "invoice_type": ["bogus"] + SQL[:3] + HTML[:2],
        "status": ["deleted", "' OR 1=1"], "customer_id": ["0", "-1", str(2**40), "abc", "1 OR 1=1"],
        "q": ["x" * 101], "document_id": ["0", "x"],
    }
    for param, values in bad_queries.items():
        for index, value in enumerate(values):
            cases.append(Case(f"query-{param}-{index}", "GET", "/api/v1/invoices", "reviewer", {"params": {param: value}}, (422,)))
            if param in ("date_from", "amount_min", "invoice_type"):
                cases.append(Case(f"export-query-{param}-{index}", "GET", "/api/v1/exports/invoices.xlsx", "manager",
                                  {"params": {param: value}}, (422,)))
    for index, value in enumerate(["abc", "0", "-1", "99999999999999", "1.5", "1e3", "%00", "1;DROP", "' OR 1=1"]):
        for template in ("/api/v1/invoices/{}", "/api/v1/documents/{}", "/api/v1/customers/{}", "/api/v1/invoices/{}/audit",
                         "/api/v1/documents/{}/file"):
            cases.append(Case(f"path-{template}-{index}", "GET", template.format(value), "admin", {}, (422, 404)))
    for index, value in enumerate(TRAVERSAL):
        cases.append(Case(f"path-traversal-{index}", "GET", f"/api/v1/documents/{value}/file", "admin", {}, (404, 422)))
    for url in ("/api/v1/invoices/987654", "/api/v1/documents/987654", "/api/v1/customers/987654"):
        cases.append(Case(f"missing-{url}", "GET", url, "admin", {}, (404,)))
    for index, value in enumerate(["0", "x", "-3"]):
        cases.append(Case(f"list-limit-{index}", "GET", "/api/v1/review", "reviewer", {"params": {"limit": value}}, (422,)))
        cases.append(Case(f"customers-limit-{index}", "GET", "/api/v1/customers", "reviewer", {"params": {"limit": value}}, (422,)))
        cases.append(Case(f"documents-status-{index}", "GET", "/api/v1/documents", "clerk", {"params": {"status": "x" + value}}, (422,)))
    return cases


def write_cases(invoice_id: int) -> list[Case]:
    cases = []
    patch_url = f"/api/v1/invoices/{invoice_id}"
    for index, body in enumerate([{"issue_date": d} for d in BAD_DATES[:8]] + [{"total_amount": m} for m in BAD_MONEY[:8]]
                                 + [{"unknown": 1}, {"customer_id": "x"}, {"customer_id": 0}, {"customer_id": 987654},
                                    {"buyer_tax_id": "' OR 1=1"}, {"invoice_number": "<b>1</b>"}, {"items": "x"}]):
        cases.append(Case(f"patch-{index}", "PATCH", patch_url, "reviewer", {"json": body}, (422, 404)))
    cases.append(Case("patch-missing", "PATCH", "/api/v1/invoices/987654", "reviewer", {"json": {"remarks": "x"}}, (404,)))
    for index, body in enumerate([{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}, {"reason": 5}, {"why": "x"}]):
        cases.append(Case(f"reject-{index}", "POST", f"/api/v1/review/{invoice_id}/reject", "reviewer", {"json": body}, (422,)))
    for index, body in enumerate([{"customer_id": "x"}, {"customer_id": -1}, {"corrections": {"issue_date": "x"}},
                                  {"corrections": "x"}, {"note": "x" * 501}, {"override_checks": "sometimes"},
                                  {"customer_id": 987654}]):
        # the invoice is accepted: the status machine may answer 409 before the body is looked at
        cases.append(Case(f"approve-{index}", "POST", f"/api/v1/review/{invoice_id}/approve", "reviewer", {"json": body}, (422, 404, 409)))
    cases.append(Case("approve-missing", "POST", "/api/v1/review/987654/approve", "reviewer", {"json": {}}, (404,)))
    for index, body in enumerate([{"name": "a b", "role": "clerk"}, {"name": "x", "role": "root"}, {"name": "", "role": "clerk"},
                                  {"name": "x" * 65, "role": "clerk"}, {"name": "ok", "role": "clerk", "password": "short"},
                                  {"name": "clerk-1", "role": "clerk"}, {"name": SQL[1], "role": "clerk"}, {"role": "clerk"}]):
        cases.append(Case(f"user-{index}", "POST", "/api/v1/users", "admin", {"json": body}, (422, 409)))
    for index, body in enumerate([{}, {"name": "admin-1"}, {"name": "admin-1", "password": ""}, {"name": SQL[0], "password": "x"},
                                  {"name": "admin-1", "password": SQL[1]}, {"name": "nobody", "password": "whatever1"}]):
        cases.append(Case(f"login-{index}", "POST", "/api/v1/auth/login", None, {"json": body}, (422, 401)))
    for index, key in enumerate(["", "x", "fpk_", "fpk_zz", "fpk_00000000_" + "a" * 300, SQL[0], HTML[0], "fpk_../../x_y"]):
        cases.append(Case(f"api-key-{index}", "GET", "/api/v1/invoices", None, {"headers": {"X-API-Key": key}}, (401,)))
    for index, cookie in enumerate(["x", SQL[0], "a" * 500]):
        cases.append(Case(f"cookie-{index}", "GET", "/api/v1/invoices", None, {"cookies": {"fapiao_session": cookie}}, (401,)))
    cases += [
        Case("patch-user-role", "PATCH", "/api/v1/users/1", "admin", {"json": {"role": "god"}}, (422,)),
        Case("patch-user-missing", "PATCH", "/api/v1/users/987654", "admin", {"json": {"role": "clerk"}}, (404,)),
        Case("revoke-missing", "DELETE", "/api/v1/users/1/api-keys/987654", "admin", {}, (404,)),
        Case("retry-not-failed", "POST", "/api/v1/documents/987654/retry", "reviewer", {}, (404,)),
    ]
    return cases


@pytest.fixture
def small_api(make_settings, database_url):
    """Small limits so size guards trigger quickly."""
    from api.app import create_app
    from fapiao.services.runtime import open_runtime

    runtime = open_runtime(make_settings(database_url=database_url, max_upload_mb=2, zip_max_members=20,
                                         zip_max_total_mb=5))
    app = create_app(runtime.settings, runtime=runtime, background=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, make_users(runtime), runtime
    runtime.close()


def test_malformed_requests_get_4xx_with_a_message(small_api) -> None:
    client, keys, runtime = small_api
    created = client.post("/api/v1/invoices", headers={"X-API-Key": keys["clerk"]}, json=invoice_json(blue()))
    assert created.status_code == 201
    cases = file_cases() + invoice_body_cases() + query_and_path_cases() + write_cases(created.json()["id"])
    assert len(cases) >= 500, len(cases)
    failures = []
    for case in cases:
        kwargs = dict(case.kwargs)
        headers = dict(kwargs.pop("headers", {}))
        if case.role:
            headers["X-API-Key"] = keys[case.role]
        response = client.request(case.method, case.url, headers=headers, **kwargs)
        ok = 400 <= response.status_code < 500 and (not case.expect or response.status_code in case.expect)
        try:
            detail = response.json().get("detail")
        except (ValueError, AttributeError):
            detail = None
        if not ok or not detail:
            failures.append(f"{case.name}: {response.status_code} {response.text[:200]}")
    assert not failures, f"{len(failures)} of {len(cases)} cases:\n" + "\n".join(failures[:40])
    # nothing malformed got in, and the database is intact
    listing = client.get("/api/v1/invoices", headers={"X-API-Key": keys["admin"]}).json()
    assert listing["total"] == 1


def test_hostile_text_is_stored_inert_and_traversal_names_are_neutralised(small_api) -> None:
    client, keys, runtime = small_api
    clerk = {"X-API-Key": keys["clerk"]}
    for index, text in enumerate(SQL + HTML):
        body = invoice_json(blue(digital_number(100 + index), buyer=text))
        body["remarks"] = text
        response = client.post("/api/v1/invoices", headers=clerk, json=body)
        assert response.status_code == 201, response.text
        assert response.json()["buyer_name"] == text.strip() and response.json()["remarks"] == text.strip()
    found = client.get("/api/v1/invoices", headers=clerk, params={"q": "' OR '1'='1"}).json()
    assert found["total"] == 1  # matched literally, not as SQL
    png = png_with_records([record_for(blue())])
    for index, name in enumerate(TRAVERSAL):
        response = client.post("/api/v1/documents", headers=clerk,
                               files=[("files", (name, png_with_records([], salt=str(index)), "image/png"))])
        assert response.status_code == 202, response.text
        stored_name = response.json()["documents"][0]["filename"]
        assert "/" not in stored_name and "\\" not in stored_name and not stored_name.startswith(".")
    zipped = _zip({"../../../../tmp/evil.png": png, "a/../../b.png": png_with_records([], salt="b")})
    response = client.post("/api/v1/documents", headers=clerk, files=[("files", ("x.zip", zipped, "application/zip"))])
    assert response.status_code == 202
    assert sorted(d["filename"] for d in response.json()["documents"]) == ["b.png", "evil.png"]
    storage = runtime.settings.storage_dir.resolve()
    for path in storage.rglob("*"):
        assert storage in path.resolve().parents


NON_FINITE = ["NaN", "nan", "sNaN", "-sNaN", "Infinity", "-Infinity", "inf", "NaN%", " nan % "]


def test_non_finite_numbers_and_out_of_range_dates_are_422_everywhere(small_api) -> None:
    """NaN tax rates raised InvalidOperation in the checks (a 500) on manual
    entry, PATCH and approve-with-corrections; ``as_of: 0001-01-01`` was a 500."""
    client, keys, _runtime = small_api
    admin = {"X-API-Key": keys["admin"]}
    created = client.post("/api/v1/invoices", headers=admin, json=invoice_json(blue()))
    assert created.status_code == 201, created.text
    invoice_id = created.json()["id"]
    failures = []

    def expect_422(method: str, url: str, body: dict) -> None:
        response = client.request(method, url, headers=admin, json=body)
        if response.status_code != 422 or not response.json().get("detail"):
            failures.append(f"{method} {url} {json.dumps(body, ensure_ascii=False)[:120]}: "
                            f"{response.status_code} {response.text[:150]}")

    for index, rate in enumerate(NON_FINITE):
        body = invoice_json(blue(digital_number(700 + index)))
        body["items"][0]["tax_rate"] = rate
        expect_422("POST", "/api/v1/invoices", body)
        line = dict(invoice_json(blue())["items"][0], tax_rate=rate)
        expect_422("PATCH", f"/api/v1/invoices/{invoice_id}", {"items": [line]})
        expect_422("POST", f"/api/v1/review/{invoice_id}/approve", {"corrections": {"items": [line]}})
    for money in ("NaN", "sNaN", "Infinity", "1e999"):
        expect_422("PATCH", f"/api/v1/invoices/{invoice_id}", {"total_tax": money})
        expect_422("POST", f"/api/v1/review/{invoice_id}/approve", {"corrections": {"total_amount": money}})
    for date in ("0001-01-01", "1899-12-31", "1989-12-31", "2999-01-01", "9999-12-31"):
        expect_422("POST", "/api/v1/classifications/run", {"as_of": date})
        expect_422("PATCH", f"/api/v1/invoices/{invoice_id}", {"issue_date": date})
        expect_422("POST", "/api/v1/invoices", dict(invoice_json(blue(digital_number(800))), issue_date=date))
    assert not failures, "\n".join(failures)
    ran = client.post("/api/v1/classifications/run", headers=admin, json={"as_of": "2024-06-30"})
    assert ran.status_code == 201, ran.text


def test_upload_guard_and_reader_share_one_set_of_limits(make_settings, database_url, tmp_path) -> None:
    """FAPIAO_MAX_IMAGE_PIXELS reached only the upload guard (80 MP) while the
    reader kept its own 60 MP: an 8500² PNG got 202, then failed in the worker.
    Now one Limits, built from Settings, decides both; TIFF frames past the
    first and the frame count are checked at upload too."""
    from api.app import create_app
    from capture.errors import ImageTooLarge
    from capture.image import check_frames
    from fapiao.services.extractors import pipeline_extractor
    from fapiao.services.jobs import process_next
    from fapiao.services.limits import capture_limits
    from fapiao.services.runtime import open_runtime
    from tests.capture.test_bombs import ofd, pdf, tiff

    settings = make_settings(database_url=database_url, max_image_pixels=2_000_000, max_pages=3)
    runtime = open_runtime(settings)
    limits = capture_limits(settings)
    assert (limits.max_pixels, limits.max_pages) == (2_000_000, 3)
    app = create_app(settings, runtime=runtime, background=False)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            clerk = {"X-API-Key": make_users(runtime)["clerk"]}

            def upload(name: str, data: bytes):
                return client.post("/api/v1/documents", headers=clerk, files=[("files", (name, data, "image/png"))])

            above, below = png_header(1500, 1400), png_header(1400, 1400)  # 2.1 MP and 1.96 MP
            assert upload("above.png", above).status_code == 413
            with pytest.raises(ImageTooLarge):
                check_frames(above, limits=limits)  # the reader refuses what the upload refused
            assert upload("below.png", below).status_code == 202
            assert check_frames(below, limits=limits) == 1  # … and reads what the upload accepted
            second_frame = upload("scan.tif", tiff([(200, 200), (1500, 1400)]))
            assert second_frame.status_code == 413 and "frame 2" in second_frame.json()["detail"]
            assert upload("many.tif", tiff([(64, 64)] * 4)).status_code == 413
            # PDFs: page count and page size at upload too (page tree and boxes only, nothing rendered)
            assert upload("long.pdf", pdf(count=4)).status_code == 413
            assert upload("huge-page.pdf", pdf(media_box="0 0 20000 20000")).status_code == 413
            assert upload("small.pdf", pdf(media_box="0 0 300 300")).status_code == 202  # 0.7 MP at 200 dpi
            # a ZIP: the oversized member is refused with its reason, the others are accepted
            zipped = _zip({"big.png": above, "ok.png": png_with_records([], salt="zip-ok"), "long.pdf": pdf(count=4)})
            mixed = client.post("/api/v1/documents", headers=clerk, files=[("files", ("b.zip", zipped, "application/zip"))])
            assert mixed.status_code == 202, mixed.text
            assert [d["filename"] for d in mixed.json()["documents"]] == ["ok.png"]
            assert sorted((r["filename"], r["status_code"]) for r in mixed.json()["refused"]) == [
                ("big.png", 413), ("long.pdf", 413)]

            # a bomb the upload cannot see (OFD internals) fails in the reader at once, never retried
            bomb = client.post("/api/v1/documents", headers=clerk,
                               files=[("files", ("bomb.ofd", ofd(box="0 0 1e400 1e400"), "application/ofd"))])
            assert bomb.status_code == 202, bomb.text
            document_id = bomb.json()["documents"][0]["id"]
            extractor = pipeline_extractor(settings)
            assert process_next(runtime, owner="t", extractor=extractor, document_id=document_id) == document_id
            status = client.get(f"/api/v1/documents/{document_id}", headers=clerk).json()
            assert status["status"] == "failed" and status["attempts"] == 1, status
            assert "impossible" in status["error"]

            # an extractor that raises a capture error fails the document at once too
            def raising(_path):
                raise ImageTooLarge("image frame 2 is 15000×13000 pixels, above the limit of 2 megapixels")

            other = upload("other.png", png_header(300, 300))
            other_id = other.json()["documents"][0]["id"]
            process_next(runtime, owner="t", extractor=raising, document_id=other_id)
            status = client.get(f"/api/v1/documents/{other_id}", headers=clerk).json()
            assert status["status"] == "failed" and status["attempts"] == 1 and "frame 2" in status["error"], status
    finally:
        runtime.close()
