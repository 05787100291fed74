"""The optional `paddle` engine, run for real on rendered Chinese text.

paddleocr lives in its own venv (scripts/paddle-env.sh), so in the main venv
every test here but the install-hint one is skipped; CI runs this file with
.venv-paddle/bin/python.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from capture.ocr.base import crop_line, order_box, read_lines

HAVE_PADDLE = importlib.util.find_spec("paddleocr") is not None
needs_paddle = pytest.mark.skipif(
    not HAVE_PADDLE,
    reason="paddleocr is not installed here; run scripts/paddle-env.sh and "
    ".venv-paddle/bin/python -m pytest tests/capture/test_paddle_engine.py",
)
REPO = Path(__file__).resolve().parents[2]
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

TOTAL_LINE = "价税合计（大写）壹仟贰佰叁拾肆圆伍角陆分"
AMOUNT_LINE = "（小写）¥1234.56"


def cjk_font(size: int) -> ImageFont.FreeTypeFont:
    if not CJK_FONT.exists():
        message = f"no CJK font at {CJK_FONT}; run `make fonts`"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return ImageFont.truetype(str(CJK_FONT), size)


def render(lines: list[tuple[int, int, str]], size=(1200, 400), font_size=40) -> np.ndarray:
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    font = cjk_font(font_size)
    for x, y, text in lines:
        draw.text((x, y), text, font=font, fill="black")
    return np.asarray(img)


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return render([(60, 80, TOTAL_LINE), (60, 220, AMOUNT_LINE)])


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("paddle-models")


@pytest.fixture(scope="module")
def paddle_engine(model_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    from capture.ocr.paddle import PaddleOcrEngine

    with pytest.MonkeyPatch.context() as mp:
        # paddlex makes its cache folders when first imported: keep them in tmp too.
        mp.setenv("PADDLE_PDX_CACHE_HOME", str(tmp_path_factory.mktemp("paddlex-home")))
        return PaddleOcrEngine(model_dir=model_dir, threads=2)


@pytest.mark.skipif(HAVE_PADDLE, reason="paddleocr is installed here, so the engine loads")
def test_without_paddleocr_the_engine_says_how_to_install_it(tmp_path: Path) -> None:
    from capture.ocr.paddle import PaddleOcrEngine

    with pytest.raises(RuntimeError, match=r"scripts/paddle-env\.sh"):
        PaddleOcrEngine(model_dir=tmp_path)
    assert not any(tmp_path.iterdir()), "nothing is built before paddleocr is known to be there"


@needs_paddle
@pytest.mark.slow
def test_detects_and_reads_a_rendered_invoice_total(paddle_engine, page: np.ndarray) -> None:
    boxes = paddle_engine.detect(page)
    assert boxes and all(b.shape == (4, 2) and b.dtype == np.float32 for b in boxes)
    lines = read_lines(paddle_engine, page, boxes)
    texts = [ln.text for ln in lines]
    total = next(ln for ln in lines if "价税合计" in ln.text)
    amount = next(ln for ln in lines if "1234.56" in ln.text)
    assert "壹仟贰佰叁拾肆圆伍角陆分" in total.text, texts
    assert total.confidence > 0.8 and amount.confidence > 0.8
    # Each box sits on the line it reads: the total drawn at y=80, the amount at y=220.
    assert total.cy < 160 < amount.cy
    assert 40 < total.x0 < 80


@needs_paddle
@pytest.mark.slow
def test_upside_down_crop_reads_with_lower_confidence(paddle_engine, page: np.ndarray) -> None:
    box = next(b for b in paddle_engine.detect(page) if order_box(b)[0][1] < 160)
    crop = crop_line(page, order_box(box))
    (upright_text, upright), (_, flipped) = paddle_engine.recognize([crop, np.rot90(crop, 2).copy()])
    assert "价税合计" in upright_text
    assert flipped < upright - 0.2, (upright, flipped)


@needs_paddle
@pytest.mark.slow
def test_recognize_keeps_input_order_and_serves_threads_alike(paddle_engine, page: np.ndarray) -> None:
    boxes = [order_box(b) for b in paddle_engine.detect(page)]
    crops = [crop_line(page, b) for b in boxes]
    narrow_first = sorted(crops, key=lambda c: c.shape[1])
    serial = paddle_engine.recognize(narrow_first)
    assert "1234.56" in serial[0][0] and "价税合计" in serial[-1][0]
    assert paddle_engine.recognize(narrow_first[::-1]) == serial[::-1]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: paddle_engine.recognize(narrow_first), range(4)))
    assert all(r == serial for r in results)
    assert paddle_engine.recognize([]) == []


@needs_paddle
@pytest.mark.slow
def test_model_dirs_are_built_once_from_the_shipped_weights(paddle_engine, model_dir: Path) -> None:
    import yaml

    from capture.ocr.paddle import DET_MODEL, REC_MODEL, prepare_model_dirs

    det_dir, rec_dir = model_dir / DET_MODEL, model_dir / REC_MODEL
    for d, name in ((det_dir, DET_MODEL), (rec_dir, REC_MODEL)):
        config = yaml.safe_load((d / "inference.yml").read_text(encoding="utf-8"))
        assert config["Global"]["model_name"] == name
        assert (d / "inference.onnx").stat().st_size > 1_000_000
    rec_config = yaml.safe_load((rec_dir / "inference.yml").read_text(encoding="utf-8"))
    characters = rec_config["PostProcess"]["character_dict"]
    assert {"价", "税", "¥", "壹"} <= set(characters)
    before = {p: p.stat().st_mtime_ns for p in model_dir.rglob("*")}
    assert prepare_model_dirs(model_dir) == (det_dir, rec_dir)
    assert {p: p.stat().st_mtime_ns for p in model_dir.rglob("*")} == before


def _can_drop_network() -> bool:
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@needs_paddle
@pytest.mark.slow
def test_loads_and_reads_with_no_network_at_all(tmp_path: Path) -> None:
    """A fresh cache is built and used inside a network namespace with no interfaces up."""
    if not _can_drop_network():
        pytest.skip("unshare -n is not permitted here (needs root or user namespaces)")
    page_file = tmp_path / "page.npy"
    np.save(page_file, render([(60, 80, TOTAL_LINE)], size=(1000, 200)))
    script = textwrap.dedent(
        f"""
        import numpy as np
        from capture.ocr.base import read_lines
        from capture.ocr.paddle import PaddleOcrEngine
        engine = PaddleOcrEngine(model_dir={str(tmp_path / "models")!r}, threads=1)
        print("|".join(line.text for line in read_lines(engine, np.load({str(page_file)!r}))))
        """
    )
    env = {**os.environ, "HOME": str(tmp_path), "PADDLE_PDX_CACHE_HOME": str(tmp_path / "paddlex"),
           "PYTHONPATH": str(REPO)}
    env.pop("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", None)  # the engine must set it itself
    proc = subprocess.run(
        ["unshare", "-n", sys.executable, "-c", script],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "价税合计" in proc.stdout, (proc.stdout, proc.stderr[-2000:])
