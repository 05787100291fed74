"""Review rules and master-data corrections applied after parsing (no OCR)."""
from decimal import Decimal

from capture.match import Customer, CustomerIndex
from capture.pipeline import Pipeline
from capture.types import InvoiceDraft
from capture.validate import uscc_check_char

BUYER_ID = "91310115MA1H7XQ52" + uscc_check_char("91310115MA1H7XQ52")
SELLER_ID = "91430121MA4N2Q6W7K"  # valid check character and organisation code (GB 32100 layout)
MASTER = CustomerIndex([
    Customer("C1", "青岛鼎源物流有限公司", BUYER_ID),
    Customer("C2", "青岛鼎源物流科技有限公司", "91370200MA3C5XK1" + "0" + uscc_check_char("91370200MA3C5XK10")),
])


def draft(**overrides) -> InvoiceDraft:
    d = InvoiceDraft(
        invoice_type="vat_electronic_general", invoice_code="044031900111", invoice_number="12345678",
        issue_date="2024-05-12", check_code="12345678901234567890",
        buyer_name="青岛鼎源物流有限公司", buyer_tax_id=BUYER_ID,
        seller_name="深圳市南山供应链管理有限公司", seller_tax_id=SELLER_ID,
        total_amount=Decimal("100.00"), total_tax=Decimal("13.00"), amount_with_tax=Decimal("113.00"),
        amount_in_words="壹佰壹拾叁圆整",
    )
    for key, value in overrides.items():
        setattr(d, key, value)
    d.confidence = {k: 0.99 for k in d.HEADER_FIELDS}
    return d


def test_clean_invoice_passes_straight_through():
    d = draft()
    customer_id, _ = Pipeline(engine=object(), customers=MASTER)._check_and_match(d)
    assert customer_id == "C1" and d.review_reasons == []


def test_one_character_ocr_slip_in_buyer_name_takes_the_master_spelling():
    d = draft(buyer_name="青岛鼎源德流有限公司")
    customer_id, _ = Pipeline(engine=object(), customers=MASTER)._check_and_match(d)
    assert customer_id == "C1"
    assert d.buyer_name == "青岛鼎源物流有限公司" and d.sources["buyer_name"] == "corrected"


def test_buyer_name_far_from_the_master_goes_to_review():
    d = draft(buyer_name="青岛某某贸易有限公司")
    Pipeline(engine=object(), customers=MASTER)._check_and_match(d)
    assert d.buyer_name == "青岛某某贸易有限公司"
    assert any(r.field == "buyer_name" for r in d.review_reasons)


def test_tax_id_failing_its_check_is_taken_from_the_customer_the_name_matched():
    broken = BUYER_ID[:5] + ("8" if BUYER_ID[5] != "8" else "3") + BUYER_ID[6:]
    d = draft(buyer_tax_id=broken)
    customer_id, _ = Pipeline(engine=object(), customers=MASTER)._check_and_match(d)
    assert customer_id == "C1" and d.buyer_tax_id == BUYER_ID


def test_low_confidence_field_is_a_review_reason():
    d = draft()
    d.confidence["invoice_number"] = 0.5
    Pipeline(engine=object(), customers=MASTER)._check_and_match(d)
    assert [r.code for r in d.review_reasons] == ["low_confidence"]


def test_unknown_buyer_goes_to_review():
    d = draft(buyer_name="完全不同的公司名称有限公司", buyer_tax_id=SELLER_ID)
    customer_id, _ = Pipeline(engine=object(), customers=MASTER)._check_and_match(d)
    assert customer_id is None
    assert any(r.code == "customer_unmatched" for r in d.review_reasons)


def test_seller_name_misread_under_a_seal_takes_the_name_most_invoices_agreed_on():
    pipeline = Pipeline(engine=object(), customers=MASTER)
    for _ in range(2):
        pipeline._check_and_match(draft())
    slipped = draft(seller_name="深圳市南山供应链管理有限公司电")
    slipped.seller_name = "深圳市南出供应链管理有限公司"
    slipped.confidence["seller_name"] = 0.9
    pipeline._check_and_match(slipped)
    assert slipped.seller_name == "深圳市南山供应链管理有限公司"
    assert slipped.sources["seller_name"] == "corrected"


def test_seller_tax_id_unread_is_taken_from_earlier_invoices_of_that_seller():
    pipeline = Pipeline(engine=object(), customers=MASTER)
    for _ in range(2):
        pipeline._check_and_match(draft())
    unread = draft(seller_tax_id=None)
    pipeline._check_and_match(unread)
    assert unread.seller_tax_id == SELLER_ID


def test_one_reading_is_not_enough_to_correct_another():
    pipeline = Pipeline(engine=object(), customers=MASTER)
    pipeline._check_and_match(draft())
    other = draft(seller_name="深圳市南出供应链管理有限公司")
    pipeline._check_and_match(other)
    assert other.seller_name == "深圳市南出供应链管理有限公司"


def test_garbled_seller_tax_id_near_a_remembered_one_takes_it_and_its_name():
    pipeline = Pipeline(engine=object(), customers=MASTER)
    for _ in range(2):
        pipeline._check_and_match(draft())
    garbled = draft(seller_tax_id=SELLER_ID[:-1], seller_name="深圳市南山供应链管理有限公司规成")
    pipeline._check_and_match(garbled)
    assert garbled.seller_tax_id == SELLER_ID
    assert garbled.seller_name == "深圳市南山供应链管理有限公司"
