"""Derive the labels of the real set from the documents themselves (run once; results committed).

    python -m bench.real.label --set /work/realset            # writes bench/real/labels/<sha256>.json
    python -m bench.real.label --set /work/realset --report   # prints the table to hand-check

Sources, most exact first (each field records where it came from in `provenance`):
- `xml`: the OFD's `original_invoice.xml` (税务 schema: InvoiceCode, InvoiceNo, …);
- `ofd_tag`: the OFD's `Tags/CustomTag.xml`, which names the text objects that
  carry InvoiceNo, BuyerName, … on the page;
- `qr`: the QR payload (`01,type,code,number,amount,date,check,…`), decoded with
  zxing-cpp from the 200 dpi render or the original image;
- `text_layer`: the PDF text layer read by the parser, kept only where it agrees
  with the QR, tax IDs pass their check digit and names occur verbatim in the
  text layer; amounts only when 合计金额 + 合计税额 = 价税合计;
- `hand`: `labels_hand.yaml`, read off the image by a person (screenshots,
  photos); it overrides everything else.
Blue invoices: `is_red` is false and the red references are known to be absent
(no public source holds a real red invoice). A field no source establishes is
listed in `unknown` and not scored.
"""
from __future__ import annotations

import argparse
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from bench.accuracy import HEADER_FIELDS
from bench.real.build import HERE, load_sources

LABELS = HERE / "labels"
HAND = HERE / "labels_hand.yaml"
RED_FIELDS = ("original_invoice_code", "original_invoice_number", "red_info_number")
MONEY = ("total_amount", "total_tax", "amount_with_tax")
XML_FIELDS = {
    "InvoiceCode": "invoice_code", "InvoiceNo": "invoice_number", "IssueDate": "issue_date",
    "InvoiceCheckCode": "check_code", "BuyerName": "buyer_name", "BuyerTaxID": "buyer_tax_id",
    "SellerName": "seller_name", "SellerTaxID": "seller_tax_id", "TaxExclusiveTotalAmount": "total_amount",
    "TaxTotalAmount": "total_tax", "TaxInclusiveTotalAmount": "amount_with_tax",
}
# Decisions written down in README.md: kinds the title alone does not settle.
TYPE_BY_TITLE = (
    (r"铁路电子客票", "other"),
    (r"电子发票\((?:增值税)?专用发票\)", "digital_special"),
    (r"电子发票\(普通发票\)", "digital_general"),
    (r"增值税电子专用发票", "vat_electronic_special"),
    (r"增值税电子普通发票", "vat_electronic_general"),
    (r"增值税专用发票", "vat_special"),
    (r"增值税普通发票", "vat_general"),
)


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def clean_value(field: str, text: str) -> str | None:
    from capture.parse.text import squash

    text = squash(text)
    if not text:
        return None
    if field in MONEY:
        text = text.replace("¥", "").replace(",", "")
        try:
            return f"{Decimal(text).quantize(Decimal('0.01'))}"
        except InvalidOperation:
            return None
    if field == "issue_date":
        m = re.match(r"(\d{4})\D*(\d{1,2})\D*(\d{1,2})", text)
        return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None
    if field in ("invoice_code", "invoice_number", "check_code"):
        return re.sub(r"\D", "", text) or None
    return text


def from_ofd(data: bytes) -> dict[str, tuple[str, str]]:
    """field → (value, source) from original_invoice.xml, else CustomTag.xml."""
    out: dict[str, tuple[str, str]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        xml_name = next((n for n in names if n.lower().endswith("original_invoice.xml")), None)
        if xml_name:
            for el in ET.fromstring(zf.read(xml_name)).iter():
                field = XML_FIELDS.get(local(el.tag))
                if field and el.text and field not in out:
                    value = clean_value(field, el.text)
                    if value:
                        out[field] = (value, "xml")
        tag_name = next((n for n in names if n.endswith("Tags/CustomTag.xml")), None)
        if tag_name:
            texts: dict[str, str] = {}
            for name in names:
                if name.endswith("Content.xml") and "/Pages/" in name:
                    for el in ET.fromstring(zf.read(name)).iter():
                        if local(el.tag) == "TextObject" and el.get("ID"):
                            texts[el.get("ID")] = "".join(
                                "".join(c.itertext()) for c in el if local(c.tag) == "TextCode")
            # Parsed with a pattern, not an XML parser: some issuers write a malformed root (`<:eInvoice xmlns:="">`).
            raw = zf.read(tag_name).decode("utf-8", "replace")
            for m in re.finditer(r"<(?:[\w-]+:)?(\w+)>\s*((?:<(?:\w+:)?ObjectRef[^>]*>\s*\d+\s*</(?:\w+:)?ObjectRef>\s*)+)", raw):
                field = XML_FIELDS.get(m.group(1))
                if not field or field in out:
                    continue
                refs = re.findall(r">\s*(\d+)\s*<", m.group(2))
                value = clean_value(field, "".join(texts.get(r, "") for r in refs))
                if value:
                    out[field] = (value, "ofd_tag")
    return out


def qr_of(image) -> dict[str, str]:
    from capture.qr import decode_qr

    payload = decode_qr(image) if image is not None else None
    if payload is None:
        return {}
    out = {"invoice_type": payload.invoice_type, "invoice_number": payload.invoice_number,
           "issue_date": payload.issue_date, "check_code": payload.check_code}
    if payload.invoice_code:
        out["invoice_code"] = payload.invoice_code
    if payload.amount is not None:
        out["amount_with_tax" if payload.amount_is_with_tax else "total_amount"] = f"{payload.amount.quantize(Decimal('0.01'))}"
    return {k: v for k, v in out.items() if v}


_LABEL_WORDS = r"名称|纳税人|识别号|信用代码|销售方|购买方"
_MONEY_TOKEN = re.compile(r"^[¥￥]?\s*(-?\d+\.\d{2})$")


def totals_from_tokens(texts: list[str]) -> dict[str, str]:
    """合计 row and （小写） amount read off the text layer's tokens in reading order:
    the two amounts after 合计 and the first after 小写 (a fallback for forms the
    parser does not read, e.g. 通行费). Only returned when they add up."""
    from capture.parse.text import squash

    tokens = [squash(t) for t in texts]
    joined = [(i, t) for i, t in enumerate(tokens)]

    def amounts_after(index: int, n: int) -> list[str]:
        found = [m.group(1) for t in tokens[index + 1:index + 12] if (m := _MONEY_TOKEN.match(t))]
        return found[:n]

    out: dict[str, str] = {}
    for i, t in joined:
        if t in ("合计", "计") and (t == "合计" or (i and tokens[i - 1] == "合")):
            pair = amounts_after(i, 2)
            if len(pair) == 2:
                out["total_amount"], out["total_tax"] = pair
            break
    for i, t in joined:
        if "小写" in t:
            one = amounts_after(i - 1 if _MONEY_TOKEN.match(t.split(")")[-1] or "x") else i, 1)
            if one:
                out["amount_with_tax"] = one[0]
            break
    if len(out) == 3 and Decimal(out["total_amount"]) + Decimal(out["total_tax"]) == Decimal(out["amount_with_tax"]):
        return out
    return {}


def title_type(text: str) -> str | None:
    for pattern, kind in TYPE_BY_TITLE:
        if re.search(pattern, text):
            return kind
    return None


def derive(entry: dict, set_dir: Path) -> dict:
    from capture.image import decode_image, load_pages
    from capture.parse import parse_page
    from capture.parse.text import squash
    from capture.validate import is_valid_uscc

    data = (set_dir / "files" / f"{entry['id']}{Path(entry['path']).suffix.lower()}").read_bytes()
    found: dict[str, tuple[str, str]] = {}
    render = set_dir / "renders" / f"{entry['id']}.png"
    image = decode_image(render.read_bytes()) if render.exists() else None
    if image is None and entry["kind"] in ("photo", "scan", "screenshot"):
        image = decode_image(data)
    qr = qr_of(image)
    text_all = ""
    if Path(entry["path"]).suffix.lower() == ".ofd":
        found.update(from_ofd(data))
    try:
        pages = load_pages(data, entry["path"])
    except Exception:
        pages = []
    if pages and pages[0].text is not None:
        page = pages[0].text
        text_all = "".join(squash(ln.text) for ln in page.lines)
        draft = parse_page(page)
        for field in ("invoice_code", "invoice_number", "issue_date", "check_code", "buyer_name", "buyer_tax_id",
                      "seller_name", "seller_tax_id", *MONEY):
            value = getattr(draft, field)
            if value is None or field in found:
                continue
            value = f"{value.quantize(Decimal('0.01'))}" if isinstance(value, Decimal) else str(value)
            if field in qr and qr[field] != value:
                continue
            if field.endswith("tax_id") and not (is_valid_uscc(value) or (len(value) in (15, 20) and value.isalnum())):
                continue
            if field.endswith("_name") and (squash(value) not in text_all or re.search(_LABEL_WORDS, value)):
                continue  # a name must be printed as such, and not be a run of the form's labels
            found[field] = (value, "text_layer")
        # The 合计 row read straight off the tokens beats the parser's vote; a parser
        # amount is kept only when it is printed somewhere on the page (the vote can
        # pick two wrong numbers that still add up).
        tokens = totals_from_tokens([ln.text for ln in page.lines])
        if tokens and tokens["total_amount"] == qr.get("total_amount", tokens["total_amount"]) and \
                tokens["amount_with_tax"] == qr.get("amount_with_tax", tokens["amount_with_tax"]):
            for field in MONEY:
                if found.get(field, ("", ""))[1] == "text_layer" or field not in found:
                    found[field] = (tokens[field], "text_layer_tokens")
        printed = set(re.findall(r"\d+\.\d{2}", text_all.replace(",", "")))
        for field in MONEY:
            if found.get(field, ("", ""))[1] == "text_layer" and found[field][0].lstrip("-") not in printed:
                del found[field]
    for field, value in qr.items():
        if field != "invoice_type" and field not in found:
            found[field] = (value, "qr")
    # Every source invoice is blue, so its printed totals are positive: a minus the
    # parser put there is its own (a red false positive), not the print. The
    # amounts are kept only when they add up (合计金额 + 合计税额 = 价税合计).
    for field in MONEY:
        if field in found and found[field][0].startswith("-"):
            found[field] = (found[field][0][1:], found[field][1])
    amounts = [found.get(f, (None,))[0] for f in MONEY]
    if any(found.get(f, ("", ""))[1].startswith("text_layer") for f in MONEY) and (
            not all(amounts) or Decimal(amounts[0]) + Decimal(amounts[1]) != Decimal(amounts[2])):
        for f in MONEY:
            if found.get(f, ("", ""))[1].startswith("text_layer"):
                del found[f]
    kind = title_type(text_all) if text_all else None
    kind_source = "title" if kind else None
    if qr.get("invoice_type") and kind != "other":
        kind, kind_source = qr["invoice_type"], "qr"
    if kind is None and found.get("invoice_number") and len(found["invoice_number"][0]) == 20:
        kind, kind_source = ("digital_special" if "专用" in text_all else "digital_general"), "number"
    label = {"id": entry["id"], "sha256": entry["sha256"], "repo": entry["repo"], "path": entry["path"],
             "kind": entry["kind"], "is_vat": True, "provenance": {}}
    if kind:
        label["invoice_type"] = kind
        label["provenance"]["invoice_type"] = kind_source
    label["is_red"] = False
    label["provenance"]["is_red"] = "blue (no public red invoice)"
    for field in RED_FIELDS:
        label[field] = None
        label["provenance"][field] = "blue (no public red invoice)"
    for field, (value, source) in found.items():
        label[field] = value
        label["provenance"][field] = source
    if label.get("buyer_name") == "个人" and "buyer_tax_id" not in label:
        label["buyer_tax_id"] = None  # a private buyer has no tax ID
        label["provenance"]["buyer_tax_id"] = "个人: none"
    if label.get("invoice_type", "").startswith("digital") or label.get("invoice_type") == "other":
        for field in ("invoice_code", "check_code"):  # 数电 forms print neither 代码 nor 校验码
            label[field] = None
            label["provenance"][field] = "数电: not printed"
    return label


def apply_hand(label: dict, hand: dict) -> dict:
    for field, value in (hand or {}).items():
        if field == "note":
            label["note"] = value
            continue
        label[field] = None if value is None else str(value) if field != "is_red" else value
        label["provenance"][field] = "hand"
    return label


def finish(label: dict) -> dict:
    label["unknown"] = [f for f in HEADER_FIELDS if f not in label]
    return label


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=Path("/work/realset"))
    parser.add_argument("--report", action="store_true", help="print labels as a table instead of writing them")
    parser.add_argument("--only", help="comma list of ids")
    args = parser.parse_args(argv)
    hand = yaml.safe_load(HAND.read_text(encoding="utf-8")) if HAND.exists() else {}
    LABELS.mkdir(exist_ok=True)
    only = set(args.only.split(",")) if args.only else None
    for entry in load_sources():
        if only and entry["id"] not in only:
            continue
        if not entry["is_vat"]:
            label = {"id": entry["id"], "sha256": entry["sha256"], "repo": entry["repo"], "path": entry["path"],
                     "kind": entry["kind"], "is_vat": False, "note": entry.get("note"), "provenance": {}}
        else:
            label = finish(apply_hand(derive(entry, args.set), hand.get(entry["id"])))
        if args.report:
            fields = [f"{f}={label.get(f)}[{label['provenance'].get(f, '')[:4]}]" for f in HEADER_FIELDS
                      if label.get(f) is not None and f not in ("is_red",)]
            print(entry["id"], entry["kind"], "VAT" if label["is_vat"] else "not-VAT", " ".join(fields),
                  "unknown:", ",".join(label.get("unknown", [])))
        else:
            (LABELS / f"{entry['sha256']}.json").write_text(
                json.dumps(label, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
