"""Import time for a 10,000-row Excel file of invoices (every row valid), on
the SQLite default and on the local PostgreSQL, through the same service the
API and `fapiao import invoices` use. Importing it again (all duplicates) is
timed too.

    python bench/import_excel.py [--rows 10000] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""
from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from capture.validate import uscc_check_char  # noqa: E402
from fapiao.services.actors import SYSTEM  # noqa: E402
from fapiao.services.imports import import_invoices  # noqa: E402
from fapiao.services.runtime import open_runtime  # noqa: E402
from fapiao.settings import Settings  # noqa: E402

HEADER = ["发票类型", "发票号码", "开票日期", "购买方名称", "购买方纳税人识别号", "销售方名称", "销售方纳税人识别号",
          "货物名称", "税率", "金额", "税额", "价税合计", "备注"]


def workbook(rows: int) -> bytes:
    seller = "91310115681234567" + uscc_check_char("91310115681234567")
    buyers = []
    for i in range(200):
        first17 = f"91440300MA5F{i:05d}"
        buyers.append((f"深圳市客户{i:03d}科技有限公司", first17 + uscc_check_char(first17)))
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("发票")
    sheet.append(HEADER)
    for i in range(rows):
        net = Decimal(100 + (i * 37) % 90_000) + Decimal(i % 100) / 100
        tax = (net * Decimal("0.13")).quantize(Decimal("0.01"))
        name, tax_id = buyers[i % len(buyers)]
        sheet.append(["数电普票", f"2431200000{i:010d}", f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", name, tax_id,
                      "上海丙丁贸易有限公司", seller, "*电子元件*贴片电容", "13%", str(net), str(tax), str(net + tax), None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def time_import(url: str | None, data: bytes, label: str) -> None:
    work = Path(tempfile.mkdtemp(prefix="fapiao-import-"))
    runtime = open_runtime(Settings(var_dir=work / "var", database_url=url, secret_key="bench-secret-key-0123456789"))
    start = time.perf_counter()
    report = import_invoices(runtime, data, "bench.xlsx", actor=SYSTEM)
    first = time.perf_counter() - start
    start = time.perf_counter()
    again = import_invoices(runtime, data, "bench.xlsx", actor=SYSTEM)
    second = time.perf_counter() - start
    runtime.close()
    print(f"{label:10}: {report.summary['imported']} imported in {first:.1f} s ({report.summary['total'] / first:.0f} rows/s); "
          f"re-import {again.summary['duplicate']} duplicates in {second:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    start = time.perf_counter()
    data = workbook(args.rows)
    print(f"{args.rows} rows, {len(data) / 2**20:.1f} MiB .xlsx written in {time.perf_counter() - start:.1f} s")
    time_import(None, data, "sqlite")
    if args.postgres:
        from sqlalchemy import create_engine, text

        schema = f"fapiao_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            time_import(f"{args.postgres}?options=-csearch_path%3D{schema}", data, "postgresql")
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
