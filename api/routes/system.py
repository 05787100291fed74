"""Health and (admin) settings."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import Admin, ReadSession, RuntimeDep

router = APIRouter(tags=["system"])


@router.get("/health", summary="Liveness and database reachability (no authentication)")
def health(session: ReadSession) -> dict[str, str]:
    session.execute(text("SELECT 1"))
    return {"status": "ok"}


@router.get("/settings", summary="Effective settings, secrets masked")
def settings_view(runtime: RuntimeDep, actor: Admin) -> dict[str, Any]:
    from store.repos.documents import counts_by_status

    with runtime.read() as session:
        queue = counts_by_status(session=session)
    return {"settings": runtime.settings.public_view(), "documents": queue,
            "background": "celery" if runtime.settings.broker_url
            else f"in-process ({runtime.settings.workers} workers, reading in {runtime.settings.worker_mode})"}
