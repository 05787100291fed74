"""The app factory: ``create_app(settings)`` builds an independent app.

The database engine, migrations and background processing start in the
lifespan, never at import time; tests build as many apps as they like.
"""
from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import APIRouter, FastAPI

from api import errors
from api.limits import BodySizeLimit
from api.routes import accounts, classifications, customers, documents, imports, invoices, reconciliation, review, system
from api.web import web_router
from api.web.dashboard import router as dashboard_router
from fapiao.services.actors import SYSTEM
from fapiao.services.auth import purge_at_start
from fapiao.services.background import start_background
from fapiao.services.imports import seed_customers
from fapiao.services.runtime import Runtime, open_runtime
from fapiao.settings import Settings

API_PREFIX = "/api/v1"
MULTIPART_OVERHEAD = 1024 * 1024


def create_app(settings: Settings, *, runtime: Runtime | None = None, background: bool = True) -> FastAPI:
    """``runtime``: share an existing one (tests); ``background``: start the worker pool / Celery dispatch."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime or open_runtime(settings)
        app.state.runtime = rt
        seed_customers(rt, actor=SYSTEM)
        purge_at_start(rt)  # expired login sessions, stale login failures
        worker = start_background(rt) if background else None
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
        docs_url="/docs",
        redoc_url=None,
    )
    errors.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_upload_bytes + MULTIPART_OVERHEAD)
    v1 = APIRouter(prefix=API_PREFIX)
    for router in (
        system.router, accounts.auth_router, accounts.users_router, documents.router, invoices.router,
        customers.router, review.router, imports.router, reconciliation.router, classifications.router,
    ):
        v1.include_router(router)
    app.include_router(v1)
    app.include_router(web_router)
    app.include_router(dashboard_router)
    return app
