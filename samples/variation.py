"""How one invoice is printed: the classic look, the varied looks, and the held-out split.

The varied style draws, per invoice, what differs between real forms, printers
and sellers (label spacing, cell positions, needle-printer offsets, where the
seal lands); the font family and capture condition come from the plan.  One
family and one condition are held out of development (leave-one-out), so the
number reported on them is one nobody tuned on.
"""
from __future__ import annotations

import random

from samples.invoice import PAPER_KINDS, InvoiceSpec
from samples.layout_digital import DigitalGeometry
from samples.layout_paper import BLUE, BROWN, FaceStyle, PaperGeometry

# Leave-one-out: never tune capture on these; bench/accuracy.py reports them apart.
HELD_OUT_FONT = "arphic-ukai"  # 楷体: a printer face no dev invoice uses
HELD_OUT_CONDITION = "lowlight"  # phone photo in dim indoor light: dark, noisy, warm, soft
SPLITS = ("dev", "heldout")


def split_of(font_family: str, condition: str) -> str:
    """heldout when either the font family or the capture condition is held out."""
    return "heldout" if font_family == HELD_OUT_FONT or condition == HELD_OUT_CONDITION else "dev"


def classic_style(spec: InvoiceSpec, rng: random.Random) -> FaceStyle:
    """The older single look: one label style, classic cells, form colours and seals by kind."""
    paper = spec.kind in PAPER_KINDS
    base = BLUE if spec.copy_name == "抵扣联" else BROWN
    jitter = tuple(max(0, min(255, c + rng.randint(-18, 18))) for c in base)
    if spec.is_digital:
        jitter = tuple(max(0, min(255, c + rng.randint(-12, 12))) for c in (160, 85, 50))
    if paper:
        role = rng.choice(("sans", "hei", "serif"))
        offset = (round(rng.uniform(-3.0, 3.5), 1), round(rng.uniform(-2.5, 2.5), 1))
        seal = rng.random() < 0.85
        over = rng.random() < 0.7
    else:
        role = rng.choice(("serif", "serif", "sans", "hei"))
        offset = (0.0, 0.0)
        seal = rng.random() < (0.7 if spec.is_digital else 0.95)
        over = spec.is_digital or rng.random() < 0.4
    return FaceStyle(jitter, role, paper, offset, seal, over)


LABEL_SHARES = {"paper": {"spaced": 0.55, "classic": 0.25, "tight": 0.20},
                "electronic": {"classic": 0.45, "spaced": 0.30, "tight": 0.25},
                "digital": {"classic": 0.55, "spaced": 0.25, "tight": 0.20}}


def _pick(rng: random.Random, shares: dict[str, float]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def varied_style(spec: InvoiceSpec, rng: random.Random, family: str) -> FaceStyle:
    """The classic draws, then what differs between real forms, printers and sellers."""
    style = classic_style(spec, rng)
    paper = spec.kind in PAPER_KINDS
    style.family = family
    style.labels = _pick(rng, LABEL_SHARES["paper" if paper else "digital" if spec.is_digital else "electronic"])
    style.colon = "：" if rng.random() < 0.7 else ":"
    if spec.is_digital:
        style.digital_geometry = DigitalGeometry(
            party_dy=round(rng.uniform(-1.5, 1.5), 2), party_pitch=round(rng.uniform(6.5, 9.0), 2),
            header_dx=round(rng.uniform(-6, 4), 2), header_dy=round(rng.uniform(-1.5, 1.5), 2),
            item_pitch=round(rng.uniform(4.0, 4.8), 2))
        style.negative_words = "（负数）"
    else:
        style.geometry = PaperGeometry(
            label_cell=round(rng.uniform(12.0, 18.0), 2), value_dx=round(rng.uniform(20.0, 28.0), 2),
            party_pitch=round(rng.uniform(4.6, 5.2), 2), item_pitch=round(rng.uniform(4.0, 4.8), 2),
            header_dx=round(rng.uniform(-6.0, 4.0), 2), header_dy=round(rng.uniform(-1.5, 2.0), 2),
            mid=round(rng.uniform(136.0, 144.0), 2))
    if paper:  # needle printers shift the data out of its boxes, up or down, left or right
        dx = rng.choice((-1, 1)) * rng.uniform(0.3, 4.5)
        dy = rng.choice((-1, 1)) * rng.uniform(0.2, 3.2)
        style.offset_mm = (round(dx, 1), round(dy, 1))
    style.seal_on_tax_id = style.seal and rng.random() < 0.5
    return style
