"""Getting invoices in: the clerks' upload page (many files or a ZIP) and the
phone page (one photo, checked for blur, darkness, glare and cut-off before
it is queued, so the clerk can retake it at once).

Both store files through the same service as ``POST /api/v1/documents``;
the page scripts then poll ``GET /api/v1/documents/{id}``.
"""
from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.web.core import PageRoute, page_user, render, runtime_of
from fapiao.services.actors import Actor
from fapiao.services.errors import BadUpload, UploadTooLarge
from fapiao.services.uploads import submit_files

log = logging.getLogger(__name__)
router = APIRouter(route_class=PageRoute, include_in_schema=False)
ClerkPage = Annotated[Actor, Depends(page_user("clerk"))]
ACCEPT = ".pdf,.ofd,.zip,.jpg,.jpeg,.png,.tif,.tiff,.bmp,.webp,.heic,.heif,application/pdf,application/zip,image/*"


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request, actor: ClerkPage) -> Response:
    settings = runtime_of(request).settings
    return render(request, "upload.html", actor, active="upload", title="上传发票", accept=ACCEPT,
                  max_mb=settings.max_upload_mb, zip_max=settings.zip_max_members)


@router.get("/m", response_class=HTMLResponse)
def mobile_page(request: Request, actor: ClerkPage) -> Response:
    return render(request, "mobile.html", actor, active="mobile", title="拍照提交",
                  max_mb=runtime_of(request).settings.max_upload_mb)


def photo_quality(data: bytes, max_pixels: int) -> dict[str, Any]:
    """The quality verdict for an uploaded photo; never stops the upload (the reader may still cope)."""
    from capture.errors import CaptureError
    from capture.image import decode_image
    from capture.quality import check_photo

    try:
        image = decode_image(data, max_pixels=max_pixels)
    except CaptureError as exc:
        return {"ok": False, "checked": False, "problems": [], "note": str(exc)}
    quality = check_photo(image)
    return {
        "ok": quality.ok, "checked": True,
        "problems": [{"code": p.code, "message": p.message, "hint": p.hint} for p in quality.problems],
        "sharpness": quality.sharpness, "brightness": quality.brightness, "glare_share": quality.glare_share,
    }


@router.post("/m/photos", response_class=JSONResponse)
async def submit_photo(request: Request, actor: ClerkPage, photo: Annotated[UploadFile, File()]) -> JSONResponse:
    """Store and queue one photo; answer with its document id and what is wrong with the picture."""
    runtime = runtime_of(request)
    limit = runtime.settings.max_upload_bytes
    data = await photo.read(limit + 1)
    if len(data) > limit:
        raise UploadTooLarge(f"照片超过 {runtime.settings.max_upload_mb} MiB / photo too large")
    if not data:
        raise BadUpload("照片为空 / empty photo")
    result = await run_in_threadpool(submit_files, runtime, [(photo.filename or "photo.jpg", data)], actor=actor)
    if not result.accepted:
        refused = result.refused[0]
        exc = BadUpload(refused.detail)
        exc.status = refused.status_code
        raise exc
    accepted = result.accepted[0]
    quality = await run_in_threadpool(photo_quality, data, runtime.settings.max_image_pixels)
    return JSONResponse({"document_id": accepted.document_id, "status": accepted.status,
                         "duplicate": accepted.duplicate, "quality": quality})
