"""The pages' CSS and JavaScript, served from the package (nothing from a CDN:
fapiao runs on intranets). A plain route rather than a mount, so the web
router is included into the app like any other router."""
from __future__ import annotations

import mimetypes

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from api.web.core import WEB_DIR

router = APIRouter(include_in_schema=False)
STATIC_DIR = (WEB_DIR / "static").resolve()
_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}


@router.get("/static/{path:path}")
def static_file(path: str) -> FileResponse:
    target = (STATIC_DIR / path).resolve()
    if STATIC_DIR not in target.parents or not target.is_file():
        raise HTTPException(404, "文件不存在 / not found")
    media_type = _TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return FileResponse(target, media_type=media_type, headers={"Cache-Control": "public, max-age=300"})
