"""The varied generator: spaced labels, font families, the held-out split, real-looking
blue 备注 and red forms that follow the real layouts.  Faces are drawn at 3 px/mm into
a Sheet and read back from its text log (what was drawn, where), so no OCR is needed."""
from __future__ import annotations

import json
import random
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from samples import content as C
from samples.check import golden_problems
from samples.fonts import FAMILIES
from samples.generate import build_world, generate, plan_samples
from samples.invoice import ALL_KINDS, DIGITAL_KINDS, PAPER_KINDS, make_invoice
from samples.layout_digital import HEIGHT as DH, WIDTH as DW, draw_digital
from samples.layout_paper import HEIGHT as PH, WIDTH as PW, draw_paper, value_column
from samples.parties import make_individual, make_outsider
from samples.remarks import RED_REFERENCE_LABELS, blue_remark_real
from samples.sheet import Sheet
from samples.variation import HELD_OUT_CONDITION, HELD_OUT_FONT, varied_style

from .conftest import FIXED

PPM = 3.0  # px/mm: enough to lay text out, cheap to draw
WORLD = build_world(17)


def _invoice(seed: int, kind: str, is_red: bool, *, labels: str | None = None, family: str = "noto"):
    rng = random.Random(seed)
    seller = rng.choice(WORLD.sellers)
    spec = make_invoice(rng, kind=kind, is_red=is_red, seller=seller, master=WORLD.master,
                        outsider=make_outsider(rng, set()), individual=make_individual(rng), real_remarks=True)
    style = varied_style(spec, rng, family)
    if labels:
        style.labels = labels
    return spec, style


def _draw(spec, style) -> Sheet:
    digital = spec.kind in DIGITAL_KINDS
    sheet = Sheet(DW if digital else PW, DH if digital else PH, PPM, family=style.family)
    (draw_digital if digital else draw_paper)(sheet, spec, style, np.random.default_rng(0))
    return sheet


def _texts(sheet: Sheet, layer: str) -> list[str]:
    return [text for name, _, _, text, _ in sheet.drawn if name == layer]


def test_spaced_labels_are_drawn_on_paper_forms_and_values_start_right_of_them(cjk_font: None) -> None:
    spec, style = _invoice(1, "vat_special", False, labels="spaced")
    sheet = _draw(spec, style)
    form = _texts(sheet, "form")
    colon = style.colon
    for label in ("名　　　　称", "纳 税 人 识 别 号", "地 址、电 话", "开 户 行 及 账 号"):
        assert form.count(label + colon) == 2, label  # buyer and seller blocks
    # the value column clears the widest spaced label, so label and value never overlap
    label_end = max(x + sheet.text_width(t, 3.0, "serif") * 0.95
                    for name, x, _, t, _ in sheet.drawn if name == "form" and t.startswith("纳 税 人"))
    assert value_column(sheet, style) > label_end
    buyer_name = [(x, t) for name, x, _, t, _ in sheet.drawn if name == "data" and t == spec.buyer.name]
    assert buyer_name and buyer_name[0][0] == value_column(sheet, style)


def test_spaced_labels_on_the_digital_face(cjk_font: None) -> None:
    spec, style = _invoice(2, "digital_general", False, labels="spaced")
    form = _texts(_draw(spec, style), "form")
    assert form.count("名　　称" + style.colon) == 2
    assert "发 票 号 码" + style.colon in form and "开 票 日 期" + style.colon in form


def test_varied_styles_spread_over_label_styles_geometry_and_offsets_in_both_directions() -> None:
    labels, offsets, cells = Counter(), [], set()
    for seed in range(120):
        spec, style = _invoice(seed, "vat_general", False)
        labels[style.labels] += 1
        offsets.append(style.offset_mm)
        cells.add(style.paper_geometry.label_cell)
    assert set(labels) == {"classic", "spaced", "tight"} and labels["spaced"] > labels["classic"]
    xs, ys = [dx for dx, _ in offsets], [dy for _, dy in offsets]
    assert min(xs) < -2 and max(xs) > 2 and min(ys) < -1.5 and max(ys) > 1.5  # left/right, up/down
    assert len(cells) > 50  # the label column width differs between forms


def test_plan_records_font_family_and_a_leave_one_out_split() -> None:
    plans = plan_samples(200, 2029)
    assert Counter(p.font_family for p in plans) == {f: 40 for f in FAMILIES}
    assert {p.condition for p in plans} >= {"scan", "photo", "copy", HELD_OUT_CONDITION}
    for p in plans:
        held = p.font_family == HELD_OUT_FONT or p.condition == HELD_OUT_CONDITION
        assert p.split == ("heldout" if held else "dev")
    dev = [p for p in plans if p.split == "dev"]
    assert 0.5 < len(dev) / len(plans) < 0.8
    assert not {p.font_family for p in dev} & {HELD_OUT_FONT}
    # --split writes the same invoices as the whole plan would, under the same numbers
    assert [p.index for p in plan_samples(200, 2029, split="heldout")] == \
        [p.index for p in plans if p.split == "heldout"]


def test_generated_goldens_record_font_family_labels_and_split(tmp_path: Path, cjk_font: None) -> None:
    rows = generate(tmp_path, 5, seed=3, conditions=("scan",))
    for row in rows:
        g = json.loads((tmp_path / f"{row['stem']}.expected.json").read_text(encoding="utf-8"))
        sample = g["sample"]
        assert sample["font_family"] in FAMILIES and sample["labels"] in ("classic", "spaced", "tight")
        assert sample["split"] == row["split"] == ("heldout" if sample["font_family"] == HELD_OUT_FONT else "dev")
        assert golden_problems(g) == [], g["file"]


def test_blue_remarks_carry_numbers_but_never_a_labelled_red_reference() -> None:
    rng = random.Random(8)
    with_long_numbers = 0
    for i in range(1500):
        text = blue_remark_real(rng, C.issue_date(rng, "vat_general"), seller_name="某某有限公司",
                                  seller_tax_id="91110108MA01ABCD2X")
        assert not any(label in text for label in RED_REFERENCE_LABELS), text
        assert not re.search(r"发票(代码|号码)", text), text
        with_long_numbers += bool(re.search(r"\d{8,}", text))
    assert with_long_numbers > 600  # order, waybill, account and tax office numbers: bait for the parser
    samples = {blue_remark_real(rng, C.issue_date(rng, "vat_general"), seller_name="甲公司",
                                  seller_tax_id="91110108MA01ABCD2X") for _ in range(400)}
    joined = " ".join(samples)
    for word in ("订单号", "运单号", "车牌号", "项目名称", "代开企业税号", "税务机关代码", "身份证号码", "****"):
        assert word in joined, word


def test_blue_fuel_invoices_have_negative_discount_lines_and_positive_totals() -> None:
    rng = random.Random(4)
    for _ in range(100):
        goods = C.make_fuel_goods(rng)
        assert any(i.amount < 0 for i in goods.items) and goods.total_amount > 0 and goods.amount_with_tax > 0
        for line, discount in zip(goods.items[::2], goods.items[1::2]):
            assert discount.name == line.name and discount.quantity is None and discount.tax < 0
    fuel = 0
    for seed in range(300):
        spec, _ = _invoice(seed, "vat_electronic_general", False)
        if any(i.amount < 0 for i in spec.goods.items):
            fuel += 1
            golden = spec.golden(file="x.png", rotation=0, sample={
                "condition": "scan", "seal": False, "dot_matrix_offset_mm": None, "name_variant": False,
                "megapixels": 1.0})
            assert golden["is_red"] is False and Decimal(golden["amount_with_tax"]) > 0
            assert golden_problems(golden) == []
    assert fuel > 20


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_red_forms_carry_their_markers(kind: str, cjk_font: None) -> None:
    spec, style = _invoice(5, kind, True)
    sheet = _draw(spec, style)
    form, data = _texts(sheet, "form"), _texts(sheet, "data")
    words = C.amount_to_chinese(spec.goods.amount_with_tax)
    remark = "".join(t for t in data if t and t in spec.remarks)
    if kind in DIGITAL_KINDS:
        assert "红字" in form  # the boxed 红字 beside the title
        assert "（负数）" + words in data
        assert re.search(r"被红冲蓝字数电票?发票?号码[:：]?\s*\d{20}", remark), remark
        assert re.search(r"红字发票信息确认单编号[:：]?\s*\d{20}", remark), remark
    else:
        assert "⊗" + words in data or ("⊗" in data and words in data)
        if kind in PAPER_KINDS:
            assert "销项负数" in data
        if kind in ("vat_special", "vat_electronic_special"):
            assert re.search(r"信息表编号[:：]?\s*\d{16}", remark), remark
        else:
            assert re.search(r"对应正数发票代码[:：]?\s*\d{10,12}.{0,3}号码[:：]?\s*\d{8}", remark), remark


def test_circled_times_falls_back_to_a_font_that_has_it(cjk_font: None) -> None:
    spec, style = _invoice(6, "vat_general", True, family="arphic-uming")
    data = _texts(_draw(spec, style), "data")
    assert "⊗" in data and C.amount_to_chinese(spec.goods.amount_with_tax) in data


def test_fixed_mix_still_draws_the_committed_goldens(tmp_path: Path, cjk_font: None) -> None:
    """The fixed set keeps its seed and classic style: regenerating gives its goldens byte for byte."""
    generate(tmp_path, 2, seed=7, fixed_mix=True)
    for name in ("inv_0001.expected.json", "inv_0002.expected.json"):
        assert (tmp_path / name).read_bytes() == (FIXED / name).read_bytes(), name
    assert (tmp_path / "customers.csv").read_bytes() == (FIXED / "customers.csv").read_bytes()


def test_a_missing_font_family_is_a_one_line_error_naming_its_package(tmp_path: Path, monkeypatch, capsys,
                                                                      cjk_font: None) -> None:
    from samples import generate as G

    monkeypatch.setattr(G, "installed_families", lambda: ("noto", "wqy-microhei"))
    assert G.main(["--out", str(tmp_path / "out"), "--n", "1", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "fonts-arphic-ukai" in err and "make fonts" in err
    assert not (tmp_path / "out").exists()
