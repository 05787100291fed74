"""The one review policy (fapiao/services/review_policy.py), on drafts built in
code: what backs each field, the customer master, the printed buyer name.

(Moved from tests/capture/test_pipeline_checks.py: the decision left the
pipeline for the services; the seller-memory tests went with SellerMemory.)"""
from decimal import Decimal

from capture.match import Customer, CustomerIndex
import capture.parse  # noqa: F401 - loads capture.qr (importing it first is circular)
from capture.qr import QrPayload
from capture.types import InvoiceDraft, InvoiceLine
from capture.validate import uscc_check_char
from fapiao.services.review_policy import ReviewPolicy, review_draft

BUYER_ID = "91310115MA1H7XQ52" + uscc_check_char("91310115MA1H7XQ52")
SELLER_ID = "91430121MA4N2Q6W7K"  # valid check character and organisation code (GB 32100 layout)
MASTER = CustomerIndex([
    Customer("C1", "上海华鑫物流有限公司", BUYER_ID),
    Customer("C2", "青岛鼎源物流科技有限公司", "91370200MA3C5XK1" + "0" + uscc_check_char("91370200MA3C5XK10")),
])
CONFIRMED = ("invoice_code", "invoice_number", "issue_date", "check_code", "buyer_name", "seller_name")


def draft(**overrides) -> InvoiceDraft:
    """A 电子普票 read from pixels, every field confirmed by a second reading."""
    d = InvoiceDraft(
        invoice_type="vat_electronic_general", invoice_code="044031900111", invoice_number="12345678",
        issue_date="2024-05-12", check_code="12345678901234567890",
        buyer_name="上海华鑫物流有限公司", buyer_tax_id=BUYER_ID,
        seller_name="深圳市南山供应链管理有限公司", seller_tax_id=SELLER_ID,
        total_amount=Decimal("100.00"), total_tax=Decimal("13.00"), amount_with_tax=Decimal("113.00"),
        amount_in_words="壹佰壹拾叁圆整",
        items=[InvoiceLine(name="*电子元件*电容", quantity=Decimal("1"), unit_price=Decimal("100"),
                           amount=Decimal("100.00"), tax_rate="13%", tax=Decimal("13.00"))],
    )
    for key, value in overrides.items():
        setattr(d, key, value)
    d.confidence = {k: 0.99 for k in d.HEADER_FIELDS}
    d.sources = {k: "ocr" for k in d.HEADER_FIELDS}
    d.confirmations = {k: 0.99 for k in CONFIRMED}
    return d


def codes(review) -> list[tuple[str, str | None]]:
    return [(r.code, r.field) for r in review.reasons]


def test_a_fully_backed_invoice_passes_straight_through_and_says_what_backed_each_field():
    review = review_draft(d := draft(), index=MASTER)
    assert review.reasons == [] and not review.needs_review and review.customer_id == "C1"
    assert review.checked_by == {
        "amount_with_tax": "words", "buyer_name": "master", "buyer_tax_id": "check_digit",
        "check_code": "two_readings", "invoice_code": "two_readings", "invoice_number": "two_readings",
        "invoice_type": "structure", "is_red": "markers", "issue_date": "two_readings",
        "seller_name": "two_readings", "seller_tax_id": "check_digit", "total_amount": "arithmetic",
        "total_tax": "arithmetic",
    }
    assert set(review.checked_by) == {f for f in d.HEADER_FIELDS if f == "is_red" or getattr(d, f) is not None}


def test_a_paper_number_read_once_is_not_straight_through():
    d = draft()
    del d.confirmations["invoice_number"]
    assert codes(review_draft(d, index=MASTER)) == [("unchecked", "invoice_number")]
    weak = draft()
    weak.confirmations["invoice_number"] = 0.7  # the second reading agreed, but unsure
    assert codes(review_draft(weak, index=MASTER)) == [("unchecked", "invoice_number")]
    looser = draft()
    looser.confirmations["invoice_number"] = 0.7
    assert review_draft(looser, index=MASTER, policy=ReviewPolicy(agreement_confidence=0.6)).reasons == []


def test_the_qr_and_the_text_layer_back_fields_without_a_second_reading():
    d = draft()
    d.confirmations = {}
    qr = QrPayload("vat_electronic_general", "044031900111", "12345678", Decimal("100.00"), False,
                   "2024-05-12", "12345678901234567890")
    review = review_draft(d, qr=qr, index=MASTER)
    assert codes(review) == [("unchecked", "seller_name")]
    assert review.checked_by["invoice_number"] == "qr" and review.checked_by["total_amount"] == "qr"
    pdf = draft()
    pdf.confirmations, pdf.sources = {}, {k: "pdf_text" for k in pdf.HEADER_FIELDS}
    review = review_draft(pdf, index=MASTER)
    assert review.reasons == [] and review.checked_by["seller_name"] == "text_layer"


def test_an_amount_only_one_reading_supports_is_not_backed():
    d = draft(amount_in_words=None)
    d.items = []
    d.confidence["amount_with_tax"] = 0.9  # reconcile: derived, not voted for by two readings
    review = review_draft(d, index=MASTER)
    assert {f for _, f in codes(review)} == {"total_amount", "total_tax", "amount_with_tax"}
    assert {c for c, _ in codes(review)} == {"unchecked"}


def test_a_red_flag_from_a_single_mark_goes_to_review():
    d = draft(is_red=True, total_amount=Decimal("-100.00"), total_tax=Decimal("-13.00"),
              amount_with_tax=Decimal("-113.00"), amount_in_words="⊗壹佰壹拾叁圆整",
              original_invoice_code="044031900110", original_invoice_number="87654321")
    d.items[0].amount, d.items[0].tax, d.items[0].quantity = Decimal("-100.00"), Decimal("-13.00"), Decimal("-1")
    d.confirmations.update(original_invoice_code=0.99, original_invoice_number=0.99)
    d.confidence["is_red"] = 0.9
    assert ("unchecked", "is_red") in codes(review_draft(d, index=MASTER))
    d.confidence["is_red"] = 0.99  # two independent marks agreed (⊗ and the remarks)
    assert review_draft(d, index=MASTER).reasons == []


def test_a_misprinted_buyer_name_is_kept_linked_and_flagged_with_both_names():
    review = review_draft(d := draft(buyer_name="上海华鍂物流有限公司"), index=MASTER)
    assert d.buyer_name == "上海华鍂物流有限公司" and d.sources["buyer_name"] == "ocr"
    assert review.customer_id == "C1" and codes(review) == [("buyer_name_differs", "buyer_name")]
    assert "上海华鍂物流有限公司" in review.reasons[0].message and "上海华鑫物流有限公司" in review.reasons[0].message
    assert "buyer_name" not in review.checked_by


def test_a_tax_id_failing_its_check_is_taken_from_the_customer_the_name_matched():
    broken = BUYER_ID[:5] + ("8" if BUYER_ID[5] != "8" else "3") + BUYER_ID[6:]
    review = review_draft(d := draft(buyer_tax_id=broken), index=MASTER)
    assert review.customer_id == "C1" and d.buyer_tax_id == BUYER_ID
    assert d.sources["buyer_tax_id"] == "corrected" and review.checked_by["buyer_tax_id"] == "check_digit"


def test_a_valid_tax_id_is_never_replaced_by_the_master():
    other = "91310115MA1H7XQ53"[:17]
    other = other[:16] + ("9" if other[16] != "9" else "8")
    other += uscc_check_char(other)
    review = review_draft(d := draft(buyer_tax_id=other), index=MASTER)
    assert d.buyer_tax_id == other and review.needs_review


def test_a_misread_buyer_name_is_the_masters_when_another_reading_of_its_box_is():
    # 鍂 read for 鑫 in one look, 鑫 in another: the pixels read as the master's name.
    d = draft(buyer_name="上海华鍂物流有限公司")
    d.readings = {"buyer_name": ["上海华金物流有限公司", "上海华鑫物流有限公司"]}
    review = review_draft(d, index=MASTER)
    assert d.buyer_name == "上海华鑫物流有限公司" and review.customer_id == "C1"
    assert not review.needs_review and review.checked_by["buyer_name"] == "master"


def test_a_misprint_no_reading_turns_into_the_masters_name_stays_printed():
    d = draft(buyer_name="上海华鍂物流有限公司")
    d.readings = {"buyer_name": ["上海华金物流有限公司", "上海华鍂物流有限公司司"]}
    review = review_draft(d, index=MASTER)
    assert d.buyer_name == "上海华鍂物流有限公司"
    assert codes(review) == [("buyer_name_differs", "buyer_name")]
    # Readings are never taken from another customer's name either.
    d = draft(buyer_name="上海华鍂物流有限公司")
    d.readings = {"buyer_name": ["青岛鼎源物流科技有限公司"]}
    review_draft(d, index=MASTER)
    assert d.buyer_name == "上海华鍂物流有限公司"


def test_low_confidence_and_unknown_buyers_go_to_review():
    d = draft()
    d.confidence["invoice_number"] = 0.5
    assert codes(review_draft(d, index=MASTER)) == [("low_confidence", "invoice_number")]
    stranger = draft(buyer_name="完全不同的公司名称有限公司", buyer_tax_id=SELLER_ID)
    review = review_draft(stranger, index=MASTER)
    assert review.customer_id is None and ("customer_unmatched", "buyer_name") in codes(review)


def test_without_a_master_the_buyer_name_needs_its_own_backing():
    d = draft()
    assert review_draft(d).reasons == []  # confirmed by a second reading
    del d.confirmations["buyer_name"]
    assert codes(review_draft(d)) == [("unchecked", "buyer_name")]


def test_the_old_rule_remains_available():
    d = draft()
    d.confirmations = {}
    assert review_draft(d, index=MASTER, policy=ReviewPolicy(require_checked=False)).reasons == []


def test_a_name_with_label_text_left_in_it_is_not_straight_through():
    review = review_draft(draft(seller_name="称:深圳市南山供应链管理有限公司"), index=MASTER)
    assert codes(review) == [("name_has_label", "seller_name")]


# ---- sellers of accepted invoices (capture.sellers.SellerIndex) ----------------------

from capture.sellers import SellerIndex  # noqa: E402

SELLERS = SellerIndex([(SELLER_ID, "深圳市南山供应链管理有限公司")])


def test_a_seller_name_accepted_before_with_its_tax_id_backs_the_reading():
    d = draft()
    del d.confirmations["seller_name"]  # read once: nothing else backs it
    assert codes(review_draft(draft_without := d, index=MASTER)) == [("unchecked", "seller_name")]
    again = draft()
    del again.confirmations["seller_name"]
    review = review_draft(again, index=MASTER, sellers=SELLERS)
    assert review.reasons == [] and review.checked_by["seller_name"] == "master"
    assert draft_without.seller_name == again.seller_name


def test_a_misread_seller_name_is_mended_from_the_index_and_sent_to_a_person():
    d = draft(seller_name="深圳市南山供应链管埋有限公司")  # 理 read as 埋
    review = review_draft(d, index=MASTER, sellers=SELLERS)
    assert d.seller_name == "深圳市南山供应链管理有限公司" and d.sources["seller_name"] == "corrected"
    assert codes(review) == [("seller_from_index", "seller_name")]
    assert "管埋" in review.reasons[0].message  # what was read is shown to the reviewer


def test_a_seller_tax_id_lost_under_the_seal_is_completed_from_the_name():
    d = draft(seller_tax_id=None)
    review = review_draft(d, index=MASTER, sellers=SELLERS)
    assert d.seller_tax_id == SELLER_ID and d.sources["seller_tax_id"] == "corrected"
    assert ("seller_from_index", "seller_tax_id") in codes(review) and review.needs_review


def test_a_seller_tax_id_that_passes_its_check_is_never_replaced_nor_its_name_taken_from_another():
    other = "91110108700000001" + uscc_check_char("91110108700000001")
    d = draft(seller_tax_id=other)
    review = review_draft(d, index=MASTER, sellers=SELLERS)
    assert d.seller_tax_id == other and d.seller_name == "深圳市南山供应链管理有限公司"
    assert "seller_from_index" not in {c for c, _ in codes(review)}
    assert review.checked_by.get("seller_name") == "two_readings"  # not the index: another taxpayer's code


def test_without_known_sellers_nothing_changes():
    d = draft(seller_name="深圳市南山供应链管埋有限公司")
    review_draft(d, index=MASTER, sellers=SellerIndex([]))
    assert d.seller_name == "深圳市南山供应链管埋有限公司"


def test_a_buyer_tax_id_not_read_or_read_far_off_is_completed_from_the_master_for_a_person_to_confirm():
    lost = draft(buyer_tax_id=None)
    review = review_draft(lost, index=MASTER)
    assert lost.buyer_tax_id == BUYER_ID and lost.sources["buyer_tax_id"] == "corrected"
    assert codes(review) == [("tax_id_from_master", "buyer_tax_id")] and "读到“无”" in review.reasons[0].message
    cut = draft(buyer_tax_id=BUYER_ID[1:])  # the detector cut the first character: 17 left
    review = review_draft(cut, index=MASTER)
    assert cut.buyer_tax_id == BUYER_ID and codes(review) == [("tax_id_from_master", "buyer_tax_id")]
    near = draft(buyer_tax_id=BUYER_ID[:-3] + "000")  # equal length, a few characters off: as before
    assert near.buyer_tax_id != BUYER_ID and codes(review_draft(near, index=MASTER)) == []
    assert near.buyer_tax_id == BUYER_ID


def test_an_old_style_master_code_completes_nothing():
    old_style = CustomerIndex([Customer("O", "上海华鑫物流有限公司", "310115123456789")])  # 15-digit 税号 before 2015
    lost = draft(buyer_tax_id=None)
    review = review_draft(lost, index=old_style)
    assert review.customer_id == "O"
    assert lost.buyer_tax_id is None and ("tax_id_from_master", "buyer_tax_id") not in codes(review)
