"""Generate synthetic VAT invoice captures with golden JSON.

    python -m samples.generate --out DIR --n N --seed S [--kinds K ...] [--conditions C ...]
                               [--pdf-share F] [--style varied|classic] [--split dev|heldout] [--fixed-mix]

``--style varied`` (the default) draws each invoice in one of several CJK font
families, with spaced or tight labels, moved cells, seals on the seller's tax
ID, wider needle-printer offsets, real-looking 备注, fuel invoices with 折扣
lines and the 数电 red form's （负数）; ``--style classic`` is the older
single-look generator (the fixed set is drawn that way).

Output contract (the benchmark and tests rely on it):

* ``DIR/<stem>.<ext>``: the capture. ``jpg`` for photos, ``png`` for scans and
  copies, ``pdf`` for born-digital electronic invoices (``--pdf-share``).
* ``DIR/<stem>.expected.json`` (UTF-8, indent 1): ``file, page, invoice_type,
  is_red, invoice_code, invoice_number, issue_date, check_code, buyer_name,
  buyer_tax_id, seller_name, seller_tax_id, total_amount, total_tax,
  amount_with_tax, original_invoice_code, original_invoice_number,
  red_info_number, remarks, items, customer_id, rotation, sample``.
  Money and quantities are decimal strings exactly as printed ("-1356.00",
  "-10", "12.5"); a 免税 line's ``***`` tax is null; ``buyer_name`` is the name
  as printed (it may be a variant of the master name); ``customer_id`` is the
  master row in ``customers.csv`` or null when the buyer is not in it.
* **Rotation convention**: ``rotation`` ∈ {0, 90, 180, 270} is the number of
  degrees to rotate the file's image **clockwise** to make the invoice upright.
  (The generator turned the upright capture counter-clockwise by that much.)
  The small in-plane tilt of photos (±15°) and scans (±1.5°) is not included.
* ``sample``: ``{"condition": "scan"|"photo"|"copy"|"lowlight"|"pdf", "seal": bool,
  "dot_matrix_offset_mm": [dx, dy] | null, "name_variant": bool,
  "megapixels": float, "font_family": str, "labels": str, "split": "dev"|"heldout"}``
  (``pdf`` files have megapixels 0.0).  ``font_family`` is the ``samples.fonts.FAMILIES``
  key every text of the face was drawn in ("classic" for ``--style classic``), ``labels``
  the label style (classic, spaced ``名　　　　称``, tight).  ``split`` is ``heldout``
  when the invoice uses the held-out font family (``HELD_OUT_FONT``) or the held-out
  capture condition (``HELD_OUT_CONDITION``), else ``dev``: tune on dev, report both.
  The committed fixed set (``--fixed-mix``) predates these three keys and has none.
* ``DIR/customers.csv`` (UTF-8 with BOM): ``customer_id,name,tax_id,industry,region``.
* ``DIR/manifest.jsonl``: one ``{"stem", "kind", "condition", "split"}`` per sample
  (no ``split`` in the fixed set's).

Everything is derived from ``--seed`` (no clock, no global RNG): the same seed
gives byte-identical goldens and images on the same fonts and library versions.
"""
from __future__ import annotations

import argparse
import io
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from samples import degrade
from samples.fonts import FAMILIES, FAMILY_PACKAGES, FontMissing, installed_families, require_fonts
from samples.invoice import ALL_KINDS, ELECTRONIC_KINDS, InvoiceSpec, make_invoice
from samples.layout_digital import HEIGHT as DIGITAL_H, WIDTH as DIGITAL_W, render_digital
from samples.layout_paper import HEIGHT as PAPER_H, WIDTH as PAPER_W, FaceStyle, render_paper
from samples.parties import Customer, Party, build_master, make_company, make_individual, make_outsider, \
    write_customers_csv
from samples.variation import HELD_OUT_CONDITION, HELD_OUT_FONT, SPLITS, classic_style, split_of, varied_style

CONDITIONS = ("scan", "photo", "copy", "lowlight")
CLASSIC_CONDITIONS = ("scan", "photo", "copy")
CONDITION_SHARES = {"scan": 0.40, "photo": 0.35, "copy": 0.25}  # classic style
VARIED_CONDITION_SHARES = {"scan": 0.34, "photo": 0.28, "copy": 0.22, "lowlight": 0.16}
STYLES = ("varied", "classic")
RED_SHARE = 0.6
TURN_SHARE = 0.15
PHOTO_RENDER_MAX_PPM = 11.0  # render no finer than this; the warp upsamples the rest
MIN_RENDER_PPM = 8.0
CREASE_SHARE = 0.3


@dataclass
class SamplePlan:
    index: int
    kind: str
    is_red: bool
    condition: str  # scan | photo | copy | pdf
    rotation: int  # degrees clockwise that make the file upright
    buyer_mode: str | None = None  # None (random) | "variant" | "outsider" | "individual"
    compact: bool = False  # small files (the committed fixed set)
    style: str = "classic"  # STYLES
    font_family: str = "classic"  # a samples.fonts.FAMILIES key on varied plans

    @property
    def stem(self) -> str:
        return f"inv_{self.index:04d}"

    @property
    def split(self) -> str:
        return split_of(self.font_family, self.condition)


@dataclass
class World:
    master: list[Customer]
    sellers: list[Party]


def build_world(seed: int) -> World:
    rng = random.Random(f"{seed}:world")
    master = build_master(rng)
    sellers = [make_company(rng) for _ in range(10)]
    return World(master, sellers)


def _quota(rng: random.Random, n: int, shares: dict[str, float]) -> list[str]:
    """Exactly-proportioned labels (largest remainder), shuffled."""
    total = sum(shares.values())
    raw = {k: n * v / total for k, v in shares.items()}
    counts = {k: int(v) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)[: n - sum(counts.values())]:
        counts[k] += 1
    labels = [k for k, c in counts.items() for _ in range(c)]
    rng.shuffle(labels)
    return labels


def plan_samples(n: int, seed: int, kinds: tuple[str, ...] = ALL_KINDS,
                 conditions: tuple[str, ...] | None = None, pdf_share: float = 0.0,
                 style: str = "varied", split: str | None = None) -> list[SamplePlan]:
    """What to draw: kinds, colours, conditions, turns and (varied) font families in
    exact proportions.  ``split`` keeps only the plans of that split (numbering kept)."""
    if style == "classic":
        plans = _plan_classic(n, seed, kinds, conditions or CLASSIC_CONDITIONS, pdf_share)
    else:
        plans = _plan_varied(n, seed, kinds, conditions or CONDITIONS, pdf_share)
    return [p for p in plans if split is None or p.split == split]


def _plan_varied(n: int, seed: int, kinds: tuple[str, ...], conditions: tuple[str, ...],
                 pdf_share: float) -> list[SamplePlan]:
    rng = random.Random(f"{seed}:plan:varied")
    kind_list = _quota(rng, n, {k: 1.0 for k in kinds})
    cond_list = _quota(rng, n, {c: VARIED_CONDITION_SHARES[c] for c in conditions})
    red_list = _quota(rng, n, {"red": RED_SHARE, "blue": 1 - RED_SHARE})
    turn_list = _quota(rng, n, {"turn": TURN_SHARE, "up": 1 - TURN_SHARE})
    font_list = _quota(rng, n, {f: 1.0 for f in FAMILIES})
    plans = []
    for i in range(n):
        kind, condition = kind_list[i], cond_list[i]
        if pdf_share > 0 and kind in ELECTRONIC_KINDS and condition != HELD_OUT_CONDITION and rng.random() < pdf_share:
            condition = "pdf"
        rotation = rng.choice((90, 180, 270)) if turn_list[i] == "turn" and condition != "pdf" else 0
        plans.append(SamplePlan(i + 1, kind, red_list[i] == "red", condition, rotation,
                                style="varied", font_family=font_list[i]))
    return plans


def _plan_classic(n: int, seed: int, kinds: tuple[str, ...], conditions: tuple[str, ...],
                  pdf_share: float) -> list[SamplePlan]:
    rng = random.Random(f"{seed}:plan")
    kind_list = _quota(rng, n, {k: 1.0 for k in kinds})
    cond_list = _quota(rng, n, {c: CONDITION_SHARES[c] for c in conditions})
    red_list = _quota(rng, n, {"red": RED_SHARE, "blue": 1 - RED_SHARE})
    turn_list = _quota(rng, n, {"turn": TURN_SHARE, "up": 1 - TURN_SHARE})
    plans = []
    for i in range(n):
        kind = kind_list[i]
        condition = cond_list[i]
        if pdf_share > 0 and kind in ELECTRONIC_KINDS and rng.random() < pdf_share:
            condition = "pdf"
        rotation = rng.choice((90, 180, 270)) if turn_list[i] == "turn" and condition != "pdf" else 0
        plans.append(SamplePlan(i + 1, kind, red_list[i] == "red", condition, rotation))
    return plans


def fixed_plans() -> list[SamplePlan]:
    """The committed test set: every kind, red and blue, every condition, turned pages,
    name variants and buyers outside the master, in small files."""
    rows = (
        ("vat_special", True, "scan", 0, None), ("vat_special", False, "copy", 0, None),
        ("vat_special", True, "photo", 0, "variant"), ("vat_general", True, "photo", 180, None),
        ("vat_general", False, "scan", 90, "variant"), ("vat_general", True, "copy", 0, "individual"),
        ("vat_electronic_general", True, "scan", 0, None), ("vat_electronic_general", False, "photo", 0, None),
        ("vat_electronic_special", True, "copy", 270, None), ("vat_electronic_special", False, "scan", 0, None),
        ("digital_special", True, "photo", 0, None), ("digital_special", False, "scan", 180, "outsider"),
        ("digital_general", True, "scan", 0, "variant"), ("digital_general", False, "copy", 0, None),
        ("digital_general", True, "photo", 90, None), ("digital_special", True, "scan", 0, None),
    )
    return [SamplePlan(i + 1, k, red, cond, rot, mode, compact=True) for i, (k, red, cond, rot, mode) in enumerate(rows)]


def _pick_parties(rng: random.Random, world: World) -> tuple[Party, Party, Party]:
    seller = rng.choice(world.sellers)
    outsider = make_outsider(rng, {c.party.name for c in world.master})
    individual = make_individual(rng)
    return seller, outsider, individual


def _render_face(spec: InvoiceSpec, style: FaceStyle, ppm: float, nrng: np.random.Generator) -> np.ndarray:
    return (render_digital if spec.is_digital else render_paper)(spec, style, ppm, nrng)


def _encode(img: np.ndarray, condition: str, rng: random.Random, compact: bool) -> tuple[bytes, str]:
    buf = io.BytesIO()
    pil = Image.fromarray(img)
    if condition in ("photo", "lowlight"):
        quality = rng.randint(72, 80) if compact else rng.randint(70, 90) if condition == "photo" else rng.randint(55, 72)
        pil.save(buf, "JPEG", quality=quality, optimize=False)
        return buf.getvalue(), "jpg"
    pil.save(buf, "PNG", compress_level=9 if compact else 3)
    return buf.getvalue(), "png"


def render_sample(plan: SamplePlan, world: World, seed: int, out: Path) -> dict:
    rng = random.Random(f"{seed}:sample:{plan.index}")
    nrng = np.random.default_rng([seed, plan.index])
    seller, outsider, individual = _pick_parties(rng, world)
    varied = plan.style == "varied"
    spec = make_invoice(rng, kind=plan.kind, is_red=plan.is_red, seller=seller, master=world.master,
                        outsider=outsider, individual=individual, buyer_mode=plan.buyer_mode, real_remarks=varied)
    style = varied_style(spec, rng, plan.font_family) if varied else classic_style(spec, rng)
    size_mm = (DIGITAL_W, DIGITAL_H) if spec.is_digital else (PAPER_W, PAPER_H)
    if plan.condition == "pdf":
        from samples.pdf import write_pdf  # optional dependency (fpdf2)

        data, ext, megapixels = write_pdf(spec, style, nrng), "pdf", 0.0
    else:
        img = _capture(plan, spec, style, size_mm, rng, nrng)
        img = degrade.turn(img, plan.rotation // 90)
        data, ext = _encode(img, plan.condition, rng, plan.compact)
        megapixels = round(img.shape[0] * img.shape[1] / 1e6, 2)
    name = f"{plan.stem}.{ext}"
    (out / name).write_bytes(data)
    sample = {
        "condition": plan.condition,
        "seal": style.seal,
        "dot_matrix_offset_mm": list(style.offset_mm) if style.dot_matrix else None,
        "name_variant": spec.name_variant,
        "megapixels": megapixels,
    }
    if not plan.compact:  # the committed fixed set keeps its original goldens
        sample.update(font_family=plan.font_family, labels=style.labels, split=plan.split)
    golden = spec.golden(file=name, rotation=plan.rotation, sample=sample)
    (out / f"{plan.stem}.expected.json").write_text(
        json.dumps(golden, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    row = {"stem": plan.stem, "kind": plan.kind, "condition": plan.condition}
    return row if plan.compact else {**row, "split": plan.split}


def _render_at(spec: InvoiceSpec, style: FaceStyle, target_ppm: float, nrng: np.random.Generator) -> np.ndarray:
    """Render no coarser than 8 px/mm (needle dots need it) and no finer than 11, then
    bring the face to ``target_ppm`` with area averaging when it must shrink."""
    ppm = min(PHOTO_RENDER_MAX_PPM, max(MIN_RENDER_PPM, target_ppm))
    face = _render_face(spec, style, ppm, nrng)
    if nrng.random() < CREASE_SHARE:
        face = degrade.crease(face, nrng)
    if ppm > target_ppm * 1.05:
        h, w = face.shape[:2]
        size = (round(w * target_ppm / ppm), round(h * target_ppm / ppm))
        face = cv2.resize(face, size, interpolation=cv2.INTER_AREA)
    return face


def _capture(plan: SamplePlan, spec: InvoiceSpec, style: FaceStyle, size_mm: tuple[float, float],
             rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    if plan.condition == "scan":
        dpi = 180 if plan.compact else rng.choice(degrade.SCAN_DPI)
        ppm = dpi / 25.4
        face = _render_face(spec, style, ppm, nrng)
        if nrng.random() < CREASE_SHARE:
            face = degrade.crease(face, nrng)
        return degrade.scan(face, nrng, ppm)
    if plan.condition == "copy":
        ppm = degrade.COPY_DPI / 25.4
        return degrade.copy(_render_at(spec, style, ppm, nrng), nrng, ppm)
    frame = degrade.PHOTO_SIZES[1] if plan.compact or rng.random() < 0.3 else degrade.PHOTO_SIZES[0]
    angle, cover = rng.uniform(-15, 15), rng.uniform(0.62, 0.88)
    ppm = degrade.photo_scale(frame, size_mm, angle, cover)
    face = _render_at(spec, style, ppm, nrng)
    img = degrade.photo(face, nrng, frame, angle_deg=angle, cover=cover)
    return degrade.lowlight(img, nrng) if plan.condition == "lowlight" else img


def require_families() -> None:
    """Varied sets draw in every family of FAMILIES: say which package is missing."""
    missing = [FAMILY_PACKAGES[f] for f in FAMILIES if f not in installed_families()]
    if missing:
        raise FontMissing(f"font families missing: install {' '.join(missing)} (`make fonts`)")


def generate(out: Path, n: int, seed: int, *, kinds: tuple[str, ...] = ALL_KINDS,
             conditions: tuple[str, ...] | None = None, pdf_share: float = 0.0,
             fixed_mix: bool = False, progress: bool = False, style: str = "varied",
             split: str | None = None) -> list[dict]:
    """Write ``n`` samples (or those of ``split`` among them) plus customers.csv and
    manifest.jsonl into ``out``."""
    require_fonts()
    if style == "varied" and not fixed_mix:
        require_families()
    if conditions is not None and style == "classic" and not set(conditions) <= set(CLASSIC_CONDITIONS):
        raise ValueError(f"--style classic draws only {', '.join(CLASSIC_CONDITIONS)}")
    out.mkdir(parents=True, exist_ok=True)
    world = build_world(seed)
    write_customers_csv(out / "customers.csv", world.master)
    plans = fixed_plans()[:n] if fixed_mix else plan_samples(n, seed, kinds, conditions, pdf_share, style, split)
    if fixed_mix and pdf_share > 0:
        plans += [SamplePlan(len(plans) + 1, "vat_electronic_general", True, "pdf", 0, compact=True),
                  SamplePlan(len(plans) + 2, "digital_general", True, "pdf", 0, compact=True)]
    rows = []
    for plan in plans:
        rows.append(render_sample(plan, world, seed, out))
        if progress:
            print(f"{plan.stem} {plan.kind} {plan.condition}", file=sys.stderr)
    with (out / "manifest.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m samples.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="output directory (created if missing)")
    parser.add_argument("--n", type=int, default=24, help="number of invoices")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--kinds", nargs="+", choices=ALL_KINDS, default=list(ALL_KINDS))
    parser.add_argument("--conditions", nargs="+", choices=CONDITIONS, default=None,
                        help="capture conditions to draw (default: all of the style's)")
    parser.add_argument("--style", choices=STYLES, default="varied",
                        help="varied (default): several fonts, label spacings and layouts; classic: the older look")
    parser.add_argument("--split", choices=SPLITS, default=None,
                        help=f"write only that part of the plan (heldout = font {HELD_OUT_FONT} "
                             f"or condition {HELD_OUT_CONDITION})")
    parser.add_argument("--pdf-share", type=float, default=0.0,
                        help="share of electronic kinds written as text-layer PDFs (needs fpdf2)")
    parser.add_argument("--fixed-mix", action="store_true",
                        help="the hand-picked mix of the committed samples/fixed set (small files)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    try:
        rows = generate(args.out, args.n, args.seed, kinds=tuple(args.kinds),
                        conditions=tuple(args.conditions) if args.conditions else None,
                        pdf_share=args.pdf_share, fixed_mix=args.fixed_mix, progress=not args.quiet,
                        style=args.style, split=args.split)
    except (FontMissing, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(rows)} invoices to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
