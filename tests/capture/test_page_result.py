"""PageResult owns its serialisation: to_json / from_json round-trip exactly."""
import json
from decimal import Decimal

import capture.parse  # noqa: F401 - loads capture.qr (importing it first is circular)
from capture.output import RECORD_KEYS, draft_record
from capture.qr import QrPayload
from capture.types import InvoiceDraft, InvoiceLine, PageResult, Review, ReviewReason

OLD_KEYS = (
    "file", "page", "invoice_type", "is_red", "invoice_code", "invoice_number", "issue_date",
    "check_code", "buyer_name", "buyer_tax_id", "seller_name", "seller_tax_id", "total_amount",
    "total_tax", "amount_with_tax", "original_invoice_code", "original_invoice_number",
    "red_info_number", "remarks", "items", "customer_id", "customer_match_score", "confidence",
    "needs_review", "review_reasons", "rotation", "timings_ms",
)


def red_result(review: Review | None) -> PageResult:
    draft = InvoiceDraft(
        invoice_type="vat_general", is_red=True, invoice_code="044031900111", invoice_number="00012345",
        issue_date="2024-05-12", check_code="01234567890123456789", buyer_name="上海华鍂物流有限公司",
        buyer_tax_id="91310115MA1H7XQ520", seller_name="深圳（南山）供应链有限公司", seller_tax_id="0123456789ABCDE",
        total_amount=Decimal("-100.00"), total_tax=Decimal("-13.00"), amount_with_tax=Decimal("-113.00"),
        amount_in_words="⊗壹佰壹拾叁圆整", original_invoice_code="044031900110", original_invoice_number="00054321",
        remarks="对应正数发票代码:044031900110号码:00054321",
        items=[InvoiceLine("*电子元件*电容", "0603", "个", Decimal("-3"), Decimal("33.333333333"), Decimal("-100.00"),
                           "13%", Decimal("-13.00"))],
        confidence={"invoice_number": 0.987, "is_red": 0.99},
        sources={"invoice_number": "qr", "buyer_tax_id": "corrected"},
        boxes={"invoice_number": (1510.5, 80.0, 1720.25, 112.0)},
        confirmations={"buyer_name": 0.96},
        review_reasons=[ReviewReason("qr_mismatch", "二维码与识别结果不一致", "invoice_number")],
    )
    qr = QrPayload("vat_general", "044031900111", "00012345", Decimal("-100.00"), False, "2024-05-12",
                   "01234567890123456789")
    return PageResult(file="发票.jpg", page=2, draft=draft, rotation=90, timings_ms={"load": 1.5, "total": 9.0},
                      qr=qr, review=review)


def test_round_trip_is_exact_judged_or_not():
    review = Review(True, [ReviewReason("qr_mismatch", "二维码与识别结果不一致", "invoice_number"),
                           ReviewReason("buyer_name_differs", "购买方名称不一致", "buyer_name")],
                    customer_id="C00007", customer_match_score=0.912, checked_by={"invoice_number": "qr"})
    for result in (red_result(review), red_result(None)):
        record = result.to_json()
        text = json.dumps(record, ensure_ascii=False)  # JSON-safe: no Decimal, no tuple surprises
        back = PageResult.from_json(json.loads(text))
        assert back == result
        assert back.to_json() == record


def test_record_keeps_the_old_keys_in_order_and_adds_what_was_lost():
    record = red_result(None).to_json()
    assert tuple(record) == RECORD_KEYS and RECORD_KEYS[: len(OLD_KEYS)] == OLD_KEYS
    assert record["total_amount"] == "-100.00" and record["items"][0]["unit_price"] == "33.333333333"
    assert record["buyer_tax_id"] == "91310115MA1H7XQ520" and record["invoice_number"] == "00012345"
    assert record["amount_in_words"] == "⊗壹佰壹拾叁圆整" and record["sources"]["buyer_tax_id"] == "corrected"
    assert record["boxes"]["invoice_number"] == [1510.5, 80.0, 1720.25, 112.0]
    assert record["qr"]["amount"] == "-100.00" and record["reviewed"] is False
    assert record["needs_review"] is True  # nobody judged it: not straight-through


def test_errors_stay_file_and_error_records():
    record = PageResult.failed("x.pdf", "page 2: 不是增值税发票").to_json()
    assert record == {"file": "x.pdf", "error": "page 2: 不是增值税发票"}
    assert PageResult.from_json(record).to_json() == record


def test_older_records_are_read_and_their_reasons_kept_as_capture_reasons():
    old = {"file": "a.png", "page": 1, "invoice_number": "12345678", "total_amount": "10.00",
           "review_reasons": [{"code": "low_confidence", "message": "低", "field": "buyer_name"}]}
    result = PageResult.from_json(old)
    assert result.review is None and result.draft.total_amount == Decimal("10.00")
    assert [r.code for r in result.draft.review_reasons] == ["low_confidence"]
    judged = draft_record(InvoiceDraft(invoice_number="1"), file="b.png", page=1, needs_review=False)
    assert PageResult.from_json(judged).review.needs_review is False
