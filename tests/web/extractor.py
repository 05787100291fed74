"""The reader the web tests' server runs: records planted for a file's content
(with the rectified page image and field boxes a real capture would leave
beside the stored file), or the real capture pipeline for PDF e-invoices
(their text layer needs no OCR model).

Selected with ``FAPIAO_EXTRACTOR=tests.web.extractor:factory``. Plants are
files under ``<var_dir>/planted`` so the reader finds them whether the
server reads documents in threads or in child processes.
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any


def plant(var_dir: Path, data: bytes, records: list[dict[str, Any]], *, page_image: Any = None,
          boxes: dict[str, Any] | None = None, sleep: float = 0.0) -> str:
    """What the reader will return for a file with exactly these bytes; returns its SHA-256."""
    from PIL import Image

    digest = hashlib.sha256(data).hexdigest()
    folder = Path(var_dir) / "planted"
    folder.mkdir(parents=True, exist_ok=True)
    if page_image is not None:
        Image.fromarray(page_image).save(folder / f"{digest}.page.png")
    spec = {"records": records, "boxes": boxes, "sleep": sleep, "page_image": page_image is not None}
    (folder / f"{digest}.json").write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return digest


def make_reader(var_dir: Path) -> Any:
    folder = Path(var_dir) / "planted"

    def extract(path: Path) -> list[dict[str, Any]]:
        from fapiao.services.pageviews import save_page_view

        digest = path.name.split(".", 1)[0]
        spec_file = folder / f"{digest}.json"
        if spec_file.exists():
            spec = json.loads(spec_file.read_text(encoding="utf-8"))
            if spec["sleep"]:
                time.sleep(spec["sleep"])
            if spec["page_image"]:
                import numpy as np
                from PIL import Image

                image = np.asarray(Image.open(folder / f"{digest}.page.png").convert("RGB"))
                save_page_view(path, 1, image, spec["boxes"], source="capture")
            return [dict(record, file=path.name) for record in spec["records"]]
        if path.read_bytes()[:5] == b"%PDF-":
            from capture.pipeline import Pipeline

            return Pipeline().extract_file(path)
        return [{"file": path.name, "error": "测试读取器不认识这个文件 / unknown test file"}]

    return extract


def factory(settings: Any) -> Any:
    return make_reader(settings.var_dir)
