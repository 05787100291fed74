"""The invoice QR code: decoded with zxing-cpp when readable, never relied on.

Payload: `01,<type>,<代码>,<号码>,<amount>,<YYYYMMDD>,<校验码>,<crc>`. The amount
is 合计金额 (before tax) for types 01/04/08/10 but 价税合计 for 31/32.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np

from capture.parse.kind import QR_TYPES


@dataclass(slots=True)
class QrPayload:
    invoice_type: str | None
    invoice_code: str | None
    invoice_number: str | None
    amount: Decimal | None
    amount_is_with_tax: bool
    issue_date: str | None
    check_code: str | None


def decode_qr(image: np.ndarray) -> QrPayload | None:
    try:
        import zxingcpp
    except ImportError:
        return None
    try:
        results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    except Exception:  # a decoder failure must never fail the invoice
        return None
    for result in results:
        payload = parse_payload(result.text)
        if payload is not None:
            return payload
    return None


def parse_payload(text: str) -> QrPayload | None:
    parts = [p.strip() for p in text.strip().split(",")]
    if len(parts) < 7 or parts[0] != "01" or parts[1] not in QR_TYPES:
        return None
    type_code = parts[1]
    try:
        amount = Decimal(parts[4]) if parts[4] else None
    except InvalidOperation:
        amount = None
    raw_date = parts[5]
    issue_date = f"{raw_date[:4]}-{raw_date[4:6]}-{raw_date[6:8]}" if len(raw_date) == 8 and raw_date.isdigit() else None
    check = parts[6] if len(parts[6]) == 20 and parts[6].isdigit() else None
    return QrPayload(
        invoice_type=QR_TYPES[type_code],
        invoice_code=parts[2] or None,
        invoice_number=parts[3] or None,
        amount=amount,
        amount_is_with_tax=type_code in ("31", "32"),
        issue_date=issue_date,
        check_code=check,
    )
