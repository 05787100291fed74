"""The web UI: server-rendered pages (Jinja2) over the same services as the
API, with a little plain JavaScript that calls the audited /api/v1 routes.

``api.app`` includes :data:`web_router`; nothing else here is imported from
outside ``api.web``.
"""
from __future__ import annotations

from fastapi import APIRouter

from api.web import (admin_pages, auth_pages, customer_pages, import_pages, reconcile_pages, record_pages,
                     review_pages, seller_pages, static_files, upload_pages)

web_router = APIRouter()
# order matters: fixed paths (/review/next, /customers/search.json, /invoices/new) before /{id} ones
for _router in (static_files.router, auth_pages.router, review_pages.router, upload_pages.router,
                record_pages.router, customer_pages.router, import_pages.router, reconcile_pages.router,
                seller_pages.router, admin_pages.router):
    web_router.include_router(_router)

__all__ = ["web_router"]
