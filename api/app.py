"""The app factory: ``create_app(settings)`` builds an independent app.

The database engine, migrations and background processing start in the
lifespan, never at import time; tests build as many apps as they like.
"""
from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse

from api import errors
from api.limits import BodySizeLimit
from api.routes import (accounts, classifications, customers, documents, imports, invoices, reconciliation, review,
                        sellers, system)
from api.web import web_router
from api.web.dashboard import router as dashboard_router
from fapiao.services import heap
from fapiao.services.actors import SYSTEM
from fapiao.services.auth import purge_at_start
from fapiao.services.background import start_background
from fapiao.services.classification_analysis import warm_features_in_background
from fapiao.services.imports import seed_customers
from fapiao.services.runtime import Runtime, open_runtime
from fapiao.settings import Settings

API_PREFIX = "/api/v1"
MULTIPART_OVERHEAD = 1024 * 1024


def create_app(settings: Settings, *, runtime: Runtime | None = None, background: bool = True,
               settle_heap: bool = False) -> FastAPI:
    """``runtime``: share an existing one (tests); ``background``: start the worker pool / Celery dispatch;
    ``settle_heap``: freeze the start-up heap out of the garbage collector (the server process only,
    see fapiao/services/heap.py)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime or open_runtime(settings)
        app.state.runtime = rt
        seed_customers(rt, actor=SYSTEM)
        purge_at_start(rt)  # expired login sessions, stale login failures
        worker = start_background(rt) if background else None
        # the first what-if after a restart should not decode every customer's features
        warming = warm_features_in_background(rt) if background else None
        if settle_heap:
            heap.settle()
            if warming is not None:
                heap.settle_after(warming)
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            if runtime is None:
                rt.close()

    app = FastAPI(
        title="fapiao",
        summary="Red-letter (红字) invoice records: recognition, manual entry, import, review",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by swagger_router from the package, not a CDN
        redoc_url=None,
    )
    errors.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_upload_bytes + MULTIPART_OVERHEAD)
    v1 = APIRouter(prefix=API_PREFIX)
    for router in (
        system.router, accounts.auth_router, accounts.users_router, documents.router, invoices.router,
        customers.router, review.router, sellers.router, imports.router, reconciliation.router, classifications.router,
    ):
        v1.include_router(router)
    app.include_router(v1)
    app.include_router(web_router)
    app.include_router(dashboard_router)
    app.include_router(swagger_router)
    return app


# Swagger UI's script and style come from the swagger-ui-bundle package (Apache-2.0),
# so /docs works on an intranet without reaching a CDN.
swagger_router = APIRouter(include_in_schema=False)
SWAGGER_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}


@swagger_router.get("/docs")
def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json", title="fapiao – API", oauth2_redirect_url="/docs/oauth2-redirect",
        swagger_js_url="/docs/assets/swagger-ui-bundle.js", swagger_css_url="/docs/assets/swagger-ui.css",
        swagger_favicon_url="/docs/assets/favicon-32x32.png",
    )


@swagger_router.get("/docs/oauth2-redirect")
def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@swagger_router.get("/docs/assets/{name}")
def swagger_asset(name: str) -> FileResponse:
    from swagger_ui_bundle import swagger_ui_path

    if name not in SWAGGER_ASSETS:
        raise HTTPException(404, "文件不存在 / not found")
    return FileResponse(f"{swagger_ui_path}/{name}", media_type=SWAGGER_ASSETS[name],
                        headers={"Cache-Control": "public, max-age=86400"})
