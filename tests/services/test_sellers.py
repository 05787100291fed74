"""The seller index comes from the invoices people confirmed (fapiao/services/sellers.py)."""
from __future__ import annotations

from fapiao.services.actors import SYSTEM, Actor
from fapiao.services.corrections import approve
from fapiao.services.records import record_draft
from fapiao.services.sellers import seller_index
from tests.services.factories import SELLER_TAX_ID, blue, digital_number, read_surely, uscc

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


def test_the_index_is_rebuilt_when_a_person_confirms_and_only_then(runtime) -> None:
    from store.repos.invoices import accepted_version

    waiting = blue(digital_number(1))
    waiting.total_tax += 1  # the sums break: it waits for review
    with runtime.write() as session:
        assert accepted_version(session=session) == (None, None, None)
        waiting_id = recognised(session, waiting).id
        typed(session, blue(digital_number(2)))
    with runtime.write() as session:
        first, index = accepted_version(session=session), seller_index(session)
        recognised(session, blue(digital_number(3)))  # straight through: no person confirmed it
    with runtime.write() as session:
        assert accepted_version(session=session) == first
        assert seller_index(session) is index  # the cached index: nothing new was confirmed
        approve(session=session, invoice_id=waiting_id, actor=REVIEWER, changes={"total_tax": waiting.total_tax - 1})
    with runtime.write() as session:
        approved = accepted_version(session=session)
        assert approved[:2] == first[:2] and approved[2] is not None and approved != first
        assert seller_index(session) is not index  # rebuilt after the approval


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


# --- what the index knows, for people: known_sellers and its CSV ---------------------------------------

def with_seller(number: int, name: str, *, tax_id: str = SELLER_TAX_ID, issue_date: str = "2024-03-15"):
    """A valid blue invoice (number ``digital_number(number)``) from this seller."""
    draft = blue(digital_number(number), issue_date=issue_date)
    draft.seller_name, draft.seller_tax_id = name, tax_id
    return draft


def test_the_known_sellers_are_the_index_and_a_second_name_shows_as_a_conflict(runtime) -> None:
    from fapiao.services.sellers import AcceptedName, known_sellers

    other_id = uscc("91440300MA5G00002")
    with runtime.write() as session:
        assert known_sellers(session) == []
        # 4 × 股份有限公司 against 3 × 有限公司: the index caps each count at 3, so the tie goes to the name
        # accepted more often (it sorts after the other, so this is not alphabetical luck)
        for n in range(1, 5):
            typed(session, with_seller(n, "上海丙丁贸易股份有限公司", issue_date=f"2024-0{n + 1}-10"))
        for n in range(5, 8):
            typed(session, with_seller(n, "上海丙丁贸易有限公司", issue_date="2024-01-02"))
        typed(session, with_seller(8, "深圳市戊己电子有限公司", tax_id=other_id, issue_date="2024-06-20"))
        # a tax ID failing its check, approved over the check by a reviewer: the index leaves it out, so does the list
        bad_id = recognised(session, with_seller(9, "校验位错的公司", tax_id=SELLER_TAX_ID[:-1] + "0")).id
        straight = recognised(session, with_seller(10, "上海丙丁贸易有限公司", issue_date="2024-12-31"))
        assert straight.status == "accepted"  # nobody looked: it teaches nothing
        confirmed_bad = approve(session=session, invoice_id=bad_id, actor=REVIEWER, override_checks=True)
        assert (confirmed_bad.status, confirmed_bad.seller_tax_id) == ("accepted", SELLER_TAX_ID[:-1] + "0")
    with runtime.write() as session:
        rows = known_sellers(session)
        index = seller_index(session)
    assert [row.tax_id for row in rows] == sorted([SELLER_TAX_ID, other_id])  # by tax ID
    first = next(row for row in rows if row.tax_id == SELLER_TAX_ID)
    assert first.name == index.get(SELLER_TAX_ID).name == "上海丙丁贸易股份有限公司"
    assert first.other_names == (AcceptedName("上海丙丁贸易有限公司", 3),)
    assert (first.invoices, str(first.latest_issue_date)) == (7, "2024-05-10")  # not the straight-through one
    second = next(row for row in rows if row.tax_id == other_id)
    assert (second.name, second.other_names, second.invoices) == ("深圳市戊己电子有限公司", (), 1)


def test_the_csv_reads_back_as_the_same_index(runtime, tmp_path) -> None:
    from capture.sellers import SellerIndex
    from fapiao.services.sellers import known_sellers, sellers_csv

    other_id = uscc("91440300MA5G00002")
    with runtime.write() as session:
        typed(session, with_seller(1, "上海丙丁贸易有限公司"))
        typed(session, with_seller(2, "上海丙丁贸易有限公司"))
        typed(session, with_seller(3, "上海丙丁贸易有限责任公司"))
        typed(session, with_seller(4, "深圳市戊己电子有限公司, 分公司", tax_id=other_id))  # a comma: quoted
    with runtime.write() as session:
        server = seller_index(session)
        data = sellers_csv(known_sellers(session))
    assert data.startswith("\ufefftax_id,name,".encode())  # a BOM for Excel; the two columns from_csv needs first
    path = tmp_path / "sellers.csv"
    path.write_bytes(data)
    local = SellerIndex.from_csv(path)
    assert len(local) == len(server) == 2
    for tax_id in (SELLER_TAX_ID, other_id):
        assert local.get(tax_id) == server.get(tax_id)
    for name, tax_id in (("上海丙丁贺易有限公司", SELLER_TAX_ID), ("上海丙丁贸易有限公司", None),
                         ("深圳市戊己电子有限公司, 分公司", None), ("北京远禾物流股份有限公司", None)):
        assert local.find(name, tax_id) == server.find(name, tax_id)


def test_a_name_a_spreadsheet_would_run_is_written_inert(runtime) -> None:
    from fapiao.services.sellers import known_sellers, sellers_csv

    with runtime.write() as session:
        typed(session, with_seller(1, "=HYPERLINK(\"http://x\")有限公司"))
    with runtime.write() as session:
        text = sellers_csv(known_sellers(session)).decode("utf-8-sig")
    assert f'{SELLER_TAX_ID},"\'=HYPERLINK(""http://x"")有限公司",1,2024-03-15,\r\n' in text


def test_the_csv_reads_back_without_the_apostrophe_that_made_it_inert(runtime, tmp_path) -> None:
    from capture.sellers import SellerIndex
    from fapiao.services.sellers import known_sellers, sellers_csv

    name = "=HYPERLINK(\"http://x\")有限公司"
    with runtime.write() as session:
        typed(session, with_seller(1, name))
    with runtime.write() as session:
        path = tmp_path / "sellers.csv"
        path.write_bytes(sellers_csv(known_sellers(session)))
        assert SellerIndex.from_csv(path).get(SELLER_TAX_ID).name == seller_index(session).get(SELLER_TAX_ID).name == name
