"""How fast the review screen loads with a long queue.

Seeds N pending review items (default 10,000: invoices with a goods line,
review reasons of both kinds and a review task each) into a fresh SQLite
database, starts the real app under uvicorn on localhost, logs in as a
reviewer, and times, over R requests each (default 50):

* the queue page ``GET /review`` (first page, riskiest first);
* the review screen ``GET /review/{id}`` plus its data endpoint
  ``GET /review/{id}/view.json`` (page image address and field boxes),
  for R different invoices taken from the top of the queue — the time a
  reviewer waits between approving one invoice and seeing the next.

The page image is the fixed sample e-invoice, shared by the seeded
invoices; its view (image + boxes) is made once before timing, as the worker
would have left it.

    python bench/review_screen.py [--items 10000] [--requests 50]
"""
from __future__ import annotations

import argparse
import hashlib
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SAMPLE_PDF = Path(__file__).resolve().parents[1] / "samples" / "fixed" / "inv_0017.pdf"
PASSWORD = "bench-password-1"


def seed(runtime, items: int) -> None:
    """Insert ``items`` pending invoices in bulk (what the worker would have recorded)."""
    from sqlalchemy import insert

    from fapiao.services.accounts import create_user
    from fapiao.services.actors import SYSTEM
    from store.models import Document, Invoice, InvoiceLineRecord, ReviewTask

    data = SAMPLE_PDF.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    key = runtime.storage.put(data, sha256=digest, suffix=".pdf")
    rng = random.Random(7)
    with runtime.write() as session:
        create_user(session=session, name="reviewer", role="reviewer", actor=SYSTEM, password=PASSWORD)
        document = Document(sha256=digest, filename=SAMPLE_PDF.name, media_type="application/pdf", size_bytes=len(data),
                            storage_key=key, status="done")
        session.add(document)
        session.flush()
        document_id = document.id
    batch = 1000
    for start in range(0, items, batch):
        invoices, lines, tasks = [], [], []
        for n in range(start, min(items, start + batch)):
            net = Decimal(rng.randint(100, 900_000)) / 100
            tax = (net * Decimal("0.13")).quantize(Decimal("0.01"))
            failed = rng.random() < 0.4
            reasons = [{"code": "low_confidence", "message": "识别置信度低 (0.61): buyer_name", "field": "buyer_name"}]
            if failed:
                reasons.insert(0, {"code": "tax_id_check", "message": "购买方纳税人识别号校验位不符", "field": "buyer_tax_id"})
            invoices.append({
                "id": n + 1, "way_in": "recognition", "document_id": document_id, "page": 1, "status": "needs_review",
                "invoice_type": "digital_general", "is_red": n % 3 == 0, "invoice_number": f"25312000{n:012d}",
                "dedup_key": f"N:25312000{n:012d}", "issue_date": None, "buyer_name": f"测试客户{n % 997}有限公司",
                "buyer_tax_id": "91440300MA5F000010", "seller_name": "上海丙丁贸易有限公司",
                "total_amount": net, "total_tax": tax, "amount_with_tax": net + tax,
                "field_confidence": {"buyer_name": 0.61, "invoice_number": 0.99, "amount_with_tax": 0.97},
                "field_sources": {"buyer_name": "ocr"}, "review_reasons": reasons,
            })
            lines.append({"invoice_id": n + 1, "position": 0, "name": "*电子元件*贴片电容", "quantity": Decimal(1),
                          "unit_price": net, "amount": net, "tax_rate": "13%", "tax": tax})
            tasks.append({"invoice_id": n + 1, "status": "pending", "failed_checks": 1 if failed else 0,
                          "min_confidence": round(rng.uniform(0.3, 0.84), 3), "reasons": reasons})
        with runtime.write() as session:
            session.execute(insert(Invoice), invoices)
            session.execute(insert(InvoiceLineRecord), lines)
            session.execute(insert(ReviewTask), tasks)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def report(name: str, values: list[float]) -> None:
    print(f"{name:<44} p50 {statistics.median(values):7.1f} ms   p95 {percentile(values, 0.95):7.1f} ms   "
          f"max {max(values):7.1f} ms   (n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()

    import httpx
    import uvicorn

    from api.app import create_app
    from fapiao.services.runtime import open_runtime
    from fapiao.settings import Settings

    with tempfile.TemporaryDirectory(prefix="fapiao-bench-review-") as tmp:
        settings = Settings(var_dir=Path(tmp), workers=0, secret_key="bench-secret-key-0123456789")
        runtime = open_runtime(settings)
        t = time.perf_counter()
        seed(runtime, args.items)
        print(f"seeded {args.items} pending review items in {time.perf_counter() - t:.1f} s (SQLite, {settings.database_url})")
        app = create_app(settings, runtime=runtime, background=False)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, timeout=30) as client:
                assert client.post("/login", data={"name": "reviewer", "password": PASSWORD}).status_code in (200, 303)
                first = client.get("/review")
                assert first.status_code == 200 and f"{args.items}" in first.text, first.text[:500]
                import re

                ids: list[int] = []
                offset = 0
                while len(ids) < args.requests:
                    page = client.get(f"/review?offset={offset}").text
                    ids += [int(i) for i in re.findall(r'href="/review/(\d+)"', page)]
                    offset += 50
                ids = ids[: args.requests]
                view = client.get(f"/review/{ids[0]}/view.json").json()  # the page view, made once (worker's job)
                assert view["boxes"], view

                queue_ms, screen_ms, data_ms, both_ms = [], [], [], []
                for invoice_id in ids:
                    t0 = time.perf_counter()
                    assert client.get("/review").status_code == 200
                    t1 = time.perf_counter()
                    screen = client.get(f"/review/{invoice_id}")
                    t2 = time.perf_counter()
                    data = client.get(f"/review/{invoice_id}/view.json")
                    t3 = time.perf_counter()
                    assert screen.status_code == 200 and data.status_code == 200 and 'id="review-form"' in screen.text
                    queue_ms.append((t1 - t0) * 1000)
                    screen_ms.append((t2 - t1) * 1000)
                    data_ms.append((t3 - t2) * 1000)
                    both_ms.append((t3 - t1) * 1000)
        finally:
            server.should_exit = True
            thread.join(10)
            runtime.close()
    print(f"{args.requests} requests each, one client, uvicorn on localhost, {args.items} pending items:")
    report("GET /review (queue, first 50)", queue_ms)
    report("GET /review/{id} (screen)", screen_ms)
    report("GET /review/{id}/view.json (image + boxes)", data_ms)
    report("review screen + data endpoint", both_ms)
    verdict = "OK" if percentile(both_ms, 0.95) < 300 else "SLOWER THAN 300 ms"
    print(f"target: review screen loads in < 300 ms -> p95 {percentile(both_ms, 0.95):.1f} ms: {verdict}")


if __name__ == "__main__":
    main()
