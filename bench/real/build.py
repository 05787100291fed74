"""Build the real-invoice set outside the repository from local snapshots of its sources.

    python -m bench.real.build                       # → /work/realset
    python -m bench.real.build --out DIR --mirror /work/.mirror --seed 8 --conditions photo,scan,copy

For every entry of `sources.yaml` (not excluded): the file is taken with
`git show <commit>:<path>` from the bare snapshot `<mirror>/<owner>+<name>/repo`
(fetch it first), its sha256 checked, and written to `files/`. Then:

- `renders/`: page 1 of every PDF rendered at 200 dpi (pypdfium2); OFD page 1
  redrawn from its text objects (capture/ofd.py positions; text only: no QR,
  seal or ruling lines, so an OFD render is harder than a real one).
- `sim/`: simulated captures of each face (PDF/OFD render, screenshot) with the
  generator's degradations (samples/degrade.py): a phone photo, a flatbed scan
  and a grey photocopy, each deterministic by `--seed` and the file's id.
- `manifest.jsonl`: one line per built image/file: file (relative), id,
  sha256 (of the source file: the label key), source kind, capture
  (original / render / sim_photo / sim_scan / sim_copy), is_vat.

Invoices and renders are never committed: several sources carry no licence.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources.yaml"
RENDER_DPI = 200
CONDITIONS = ("photo", "scan", "copy")
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SCREENSHOT_WIDTH_MM = 220.0  # a screenshot has no dpi: take the face as an invoice this wide


def load_sources(path: Path = SOURCES, *, include_excluded: bool = False) -> list[dict]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [e for e in entries if include_excluded or not e.get("exclude")]


def snapshot(mirror: Path, repo: str) -> Path:
    return mirror / repo.replace("/", "+") / "repo"


def extract(entry: dict, mirror: Path) -> bytes:
    git_dir = snapshot(mirror, entry["repo"])
    if not git_dir.exists():
        raise SystemExit(f"no snapshot of {entry['repo']} under {mirror} (fetch github:{entry['repo']} first)")
    done = subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{entry['commit']}:{entry['path']}"],
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{entry['repo']}@{entry['commit'][:10]}:{entry['path']}: {done.stderr.decode().strip()}")
    digest = hashlib.sha256(done.stdout).hexdigest()
    if digest != entry["sha256"]:
        raise SystemExit(f"{entry['id']}: sha256 {digest} differs from sources.yaml {entry['sha256']}")
    return done.stdout


def suffix(entry: dict) -> str:
    return Path(entry["path"]).suffix.lower() or ".bin"


def render_pdf(data: bytes) -> np.ndarray:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        return np.asarray(document[0].render(scale=RENDER_DPI / 72).to_pil().convert("RGB"))
    finally:
        document.close()


def render_ofd(data: bytes) -> np.ndarray:
    """Page 1's text objects drawn where the OFD places them (black on white).
    capture/ofd.py maps positions to pixels at PDF_RENDER_DPI (= RENDER_DPI)."""
    from PIL import Image, ImageDraw, ImageFont

    from capture.ofd import load_ofd_pages

    page = load_ofd_pages(data)[0].text
    image = Image.new("RGB", (page.width, page.height), "white")
    draw = ImageDraw.Draw(image)
    fonts: dict[int, ImageFont.FreeTypeFont] = {}
    for line in page.lines:
        size = max(8, int(round((line.y1 - line.y0) / 1.2)))
        font = fonts.setdefault(size, ImageFont.truetype(FONT, size))
        width = draw.textlength(line.text, font=font)
        room = max(1.0, line.x1 - line.x0)
        if width > room and len(line.text) > 1:
            # The OFD sets these glyphs closer than the font's own advance (DeltaX):
            # place them so, at their size, ending where the OFD's box ends. Drawn
            # at the font's advance they ran into the value beside them (a label's
            # `：` over the first digits of a tax ID).
            last = draw.textlength(line.text[-1], font=font)
            squeeze = max(0.0, room - last) / max(1.0, width - last)  # each advance shortened alike
            x = line.x0
            for glyph in line.text:
                draw.text((x, line.y0), glyph, fill="black", font=font)
                x += draw.textlength(glyph, font=font) * squeeze
            continue
        draw.text((line.x0, line.y0), line.text, fill="black", font=font)
    return np.asarray(image)


def simulate(face: np.ndarray, condition: str, *, px_per_mm: float, seed: int, file_id: str) -> np.ndarray:
    import cv2

    from samples import degrade

    rng = np.random.default_rng([seed, int(file_id[:8], 16), CONDITIONS.index(condition)])
    h, w = face.shape[:2]
    size_mm = (w / px_per_mm, h / px_per_mm)

    def at(ppm: float) -> np.ndarray:
        size = (max(1, round(size_mm[0] * ppm)), max(1, round(size_mm[1] * ppm)))
        return cv2.resize(face, size, interpolation=cv2.INTER_AREA if ppm < px_per_mm else cv2.INTER_CUBIC)

    if condition == "scan":
        ppm = float(rng.choice(degrade.SCAN_DPI)) / 25.4
        return degrade.scan(at(ppm), rng, ppm)
    if condition == "copy":
        ppm = degrade.COPY_DPI / 25.4
        return degrade.copy(at(ppm), rng, ppm)
    frame = degrade.PHOTO_SIZES[1] if rng.random() < 0.3 else degrade.PHOTO_SIZES[0]
    angle, cover = float(rng.uniform(-15, 15)), float(rng.uniform(0.62, 0.88))
    ppm = degrade.photo_scale(frame, size_mm, angle, cover)
    return degrade.photo(at(ppm), rng, frame, angle_deg=angle, cover=cover)


def write_image(path: Path, image: np.ndarray) -> None:
    import cv2

    params = [cv2.IMWRITE_JPEG_QUALITY, 90] if path.suffix == ".jpg" else []
    if not cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR), params):
        raise SystemExit(f"cannot write {path}")


def build(out: Path, mirror: Path, *, seed: int, conditions: tuple[str, ...], only: set[str] | None) -> list[dict]:
    from capture.image import decode_image

    for sub in ("files", "renders", "sim"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    manifest = []
    entries = [e for e in load_sources() if only is None or e["id"] in only]
    for n, entry in enumerate(entries, 1):
        print(f"\r{n}/{len(entries)} {entry['id']}", end="", file=sys.stderr)
        data = extract(entry, mirror)
        common = {"id": entry["id"], "sha256": entry["sha256"], "kind": entry["kind"], "is_vat": entry["is_vat"]}
        original = out / "files" / f"{entry['id']}{suffix(entry)}"
        original.write_bytes(data)
        manifest.append({"file": f"files/{original.name}", "capture": "original", **common})
        face, ppm = None, RENDER_DPI / 25.4
        try:
            if suffix(entry) == ".pdf":
                face = render_pdf(data)
            elif suffix(entry) == ".ofd":
                face = render_ofd(data)
            elif entry["kind"] == "screenshot":
                face = decode_image(data)
                ppm = face.shape[1] / SCREENSHOT_WIDTH_MM
        except Exception as exc:  # one file that does not render never sinks the set
            print(f"\n{entry['id']}: no render ({exc})", file=sys.stderr)
        if face is None:
            continue
        if suffix(entry) in (".pdf", ".ofd"):
            render = out / "renders" / f"{entry['id']}.png"
            write_image(render, face)
            manifest.append({"file": f"renders/{render.name}", "capture": "render", **common})
        for condition in conditions:
            image = simulate(face, condition, px_per_mm=ppm, seed=seed, file_id=entry["id"])
            sim = out / "sim" / f"{entry['id']}-{condition}.{'jpg' if condition == 'photo' else 'png'}"
            write_image(sim, image)
            manifest.append({"file": f"sim/{sim.name}", "capture": f"sim_{condition}", **common})
    print(file=sys.stderr)
    with (out / "manifest.jsonl").open("w", encoding="utf-8") as fh:
        for row in manifest:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("/work/realset"))
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--conditions", default=",".join(CONDITIONS), help="simulated captures to make (comma list)")
    parser.add_argument("--only", help="comma list of ids (sha256 prefixes) to build")
    args = parser.parse_args(argv)
    conditions = tuple(c for c in args.conditions.split(",") if c)
    unknown = set(conditions) - set(CONDITIONS)
    if unknown:
        parser.error(f"unknown condition(s) {', '.join(sorted(unknown))} (choose {', '.join(CONDITIONS)})")
    try:
        args.out.relative_to(HERE.parent.parent)
    except ValueError:
        pass
    else:
        parser.error("--out must be outside the repository: the invoices are never committed")
    only = set(args.only.split(",")) if args.only else None
    manifest = build(args.out, args.mirror, seed=args.seed, conditions=conditions, only=only)
    print(f"{len(manifest)} files in {args.out} (manifest.jsonl)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
