"""The seller index comes from the invoices people confirmed (fapiao/services/sellers.py)."""
from __future__ import annotations

from fapiao.services.actors import SYSTEM, Actor
from fapiao.services.corrections import approve
from fapiao.services.records import record_draft
from fapiao.services.sellers import seller_index
from tests.services.factories import SELLER_TAX_ID, blue, digital_number, read_surely

REVIEWER = Actor(user_id=None, name="rita", role="reviewer")


def recognised(session, draft):
    return record_draft(session=session, draft=read_surely(draft), way_in="recognition", actor=SYSTEM, strict=False,
                        source="ocr").invoice


def typed(session, draft):
    return record_draft(session=session, draft=draft, way_in="manual", actor=REVIEWER, strict=True,
                        source="manual").invoice


def test_a_seller_a_person_confirmed_mends_the_next_reading_of_it(runtime) -> None:
    with runtime.write() as session:
        assert seller_index(session) is None  # nothing confirmed yet
        typed(session, blue(digital_number(1)))
    misread = blue(digital_number(2))
    misread.seller_name = "上海丙丁贺易有限公司"  # 贸 read as 贺; the tax ID read passes its check
    lost = blue(digital_number(3))
    lost.seller_tax_id = None  # lost under the seal; the name read right
    with runtime.write() as session:
        by_id, by_name = recognised(session, misread), recognised(session, lost)
        assert (by_id.seller_name, by_name.seller_tax_id) == ("上海丙丁贸易有限公司", SELLER_TAX_ID)
        assert by_id.field_sources["seller_name"] == by_name.field_sources["seller_tax_id"] == "corrected"
        assert by_id.status == by_name.status == "needs_review"
        assert [(r["code"], r["field"]) for r in by_id.review_reasons] == [("seller_from_index", "seller_name")]
        assert [(r["code"], r["field"]) for r in by_name.review_reasons] == [("seller_from_index", "seller_tax_id")]
    with runtime.write() as session:  # the reason is for a person to confirm: approving does
        assert approve(session=session, invoice_id=by_id.id, actor=REVIEWER).status == "accepted"


def test_a_name_misread_and_a_tax_id_lost_together_are_left_to_a_person(runtime) -> None:
    with runtime.write() as session:
        typed(session, blue(digital_number(1)))
    both = blue(digital_number(2))
    both.seller_name, both.seller_tax_id = "上海丙丁贺易有限公司", None  # one 字号 character off, nothing else
    with runtime.write() as session:
        invoice = recognised(session, both)
        assert (invoice.seller_name, invoice.seller_tax_id) == ("上海丙丁贺易有限公司", None)


def test_only_what_people_confirmed_teaches_a_seller(runtime) -> None:
    waiting = blue(digital_number(1))
    waiting.total_tax += 1  # the sums break: it waits for review
    with runtime.write() as session:
        waiting_id = recognised(session, waiting).id
        # passed straight through: no person looked, and a batch must not feed on itself
        assert recognised(session, blue(digital_number(2))).status == "accepted"
    with runtime.write() as session:
        assert seller_index(session) is None
    with runtime.write() as session:
        approve(session=session, invoice_id=waiting_id, actor=REVIEWER, changes={"total_tax": waiting.total_tax - 1})
    with runtime.write() as session:
        index = seller_index(session)
        assert len(index) == 1 and index.get(SELLER_TAX_ID).name == "上海丙丁贸易有限公司"


def test_a_value_filled_from_the_index_stays_in_doubt_until_its_own_field_is_confirmed(runtime) -> None:
    from fapiao.services.corrections import correct_invoice

    with runtime.write() as session:
        typed(session, blue(digital_number(1)))
    misread = blue(digital_number(2))
    misread.seller_name = "上海丙丁贺易有限公司"
    with runtime.write() as session:
        invoice_id = recognised(session, misread).id
    with runtime.write() as session:  # correcting another field keeps the doubt about the seller
        invoice = correct_invoice(session=session, invoice_id=invoice_id, changes={"remarks": "退货"}, actor=REVIEWER)
        assert [(r["code"], r["field"]) for r in invoice.review_reasons] == [("seller_from_index", "seller_name")]
    with runtime.write() as session:  # correcting the field itself settles it
        invoice = correct_invoice(session=session, invoice_id=invoice_id,
                                  changes={"seller_name": "上海丙丁贸易股份有限公司"}, actor=REVIEWER)
        assert invoice.review_reasons == []
