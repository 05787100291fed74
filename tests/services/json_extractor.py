"""A tiny real extractor for testing the queue without OCR.

Test files are genuine PNG images whose ``fapiao-records`` text chunk holds
the records the "reader" returns, so uploads pass the real type checks and
the queue, leases and recording run for real. Optional keys in the chunk:
``sleep`` (seconds, to stand in for slow OCR), ``raise`` (an error message,
to stand in for a reader bug) and ``exit`` (the reading process dies, as on a
segfault). Selected with
``FAPIAO_EXTRACTOR=tests.services.json_extractor:factory``.
"""
from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path
from typing import Any

from PIL import Image
from PIL.PngImagePlugin import PngInfo

CHUNK = "fapiao-records"


def png_with_records(records: list[dict[str, Any]], *, sleep: float = 0.0, fail: str | None = None, salt: str = "",
                     exit_process: bool = False) -> bytes:
    info = PngInfo()
    payload = {"records": records, "sleep": sleep, "raise": fail, "salt": salt, "exit": exit_process}
    info.add_text(CHUNK, json.dumps(payload, ensure_ascii=False))
    buffer = io.BytesIO()
    Image.new("RGB", (48, 48), "white").save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def extract(path: Path) -> list[dict[str, Any]]:
    with Image.open(path) as image:
        payload = image.text.get(CHUNK)  # type: ignore[attr-defined]
    if payload is None:
        return [{"file": path.name, "error": "no fapiao-records chunk"}]
    data = json.loads(payload)
    if data.get("sleep"):
        time.sleep(float(data["sleep"]))
    if data.get("exit"):
        os._exit(1)
    if data.get("raise"):
        raise RuntimeError(data["raise"])
    return [dict(record, file=path.name) for record in data["records"]]


def factory(_settings: object) -> Any:
    return extract


def record_for(draft: Any, page: int = 1, *, confirmed: bool = True) -> dict[str, Any]:
    """A draft as the pipeline's JSON record (money as strings).

    ``confirmed``: read as a careful reader would have — every field read at
    0.99 unless the draft says otherwise, and a second reading agreeing on
    each — so the review policy judges only what the test changes."""
    import copy

    from capture.output import draft_record

    if confirmed:
        draft = copy.deepcopy(draft)
        present = [f for f in draft.HEADER_FIELDS if f == "is_red" or getattr(draft, f) not in (None, "")]
        draft.confidence = {**{f: 0.99 for f in present}, **draft.confidence}
        draft.confirmations = {**{f: 0.99 for f in present}, **draft.confirmations}
    return draft_record(draft, file="x", page=page)
