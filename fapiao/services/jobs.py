"""The recognition job: one document in, its invoices recorded, exactly once.

1. claim the document (a lease, in its own short transaction);
2. run the extractor outside any transaction (seconds of OCR);
3. in ONE transaction: check the lease is still ours, record every invoice,
   mark the document done.

A worker killed at any point leaves either nothing (the lease expires and
another worker retries) or everything (the document is done and a retry
finds nothing to claim): never half a document, never a document twice.

After a crash, :func:`requeue_at_start` gives the documents in progress back
to the queue when the server starts instead of waiting for their leases:
every one on SQLite (the embedded mode: one server owns the file), and on
PostgreSQL those whose lease expired or whose owner was a process of this
host that no longer runs — another server's live work is never taken over.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from contextlib import contextmanager
from datetime import datetime
from typing import Iterator
from typing import Any

from capture.errors import CaptureError
from capture.types import PageResult
from fapiao.services.accounts import actor_for
from fapiao.services.actors import SYSTEM, Actor
from fapiao.services.extractors import Extractor
from fapiao.services.records import record_draft
from fapiao.services.review_policy import ReviewPolicy
from fapiao.services.runtime import Runtime
from store.models import Document, User
from store.repos import documents as document_repo
from store.types import utcnow

log = logging.getLogger(__name__)
_TEXT_LAYER_TYPES = {"application/pdf", "application/ofd"}


def _fail(document: Document, reason: str) -> None:
    document.status = "failed"
    document.error = reason[:2000]
    document.lease_owner = document.lease_expires_at = None
    document.finished_at = utcnow()


def process_next(runtime: Runtime, *, owner: str, extractor: Extractor, document_id: int | None = None) -> int | None:
    """Claim and process one document (the oldest claimable, or ``document_id``).

    Returns the id processed, or None when there was nothing to claim.
    """
    settings = runtime.settings
    with runtime.write() as session:
        document = document_repo.claim(
            session=session, owner=owner, lease_seconds=settings.lease_seconds, document_id=document_id
        )
        if document is None:
            return None
        if document.attempts > settings.max_attempts:
            _fail(document, f"处理中断 {document.attempts - 1} 次，已停止重试 / processing was interrupted "
                            f"{document.attempts - 1} times; giving up (the file may crash the reader)")
            return document.id
        claimed = (document.id, document.storage_key, document.media_type, document.uploaded_by_id, document.attempts)
    doc_id, storage_key, media_type, uploader_id, attempts = claimed

    try:
        records = extractor(runtime.storage.path(storage_key))
    except CaptureError as exc:  # the file itself is bad (damaged, a bomb): another try reads it the same way
        records = [{"error": str(exc)}]
    except Exception as exc:  # noqa: BLE001 - a bug or resource problem in the reader: retry, then fail
        log.exception("extractor failed on document %s", doc_id)
        _after_crash(runtime, doc_id, owner, attempts, f"{type(exc).__name__}: {exc}")
        return doc_id

    source = "pdf_text" if media_type in _TEXT_LAYER_TYPES else "ocr"
    for _attempt in range(3):
        try:
            _record(runtime, doc_id, owner, uploader_id, records, source)
            return doc_id
        except _LeaseLost:
            log.warning("lease on document %s lost before commit; another worker has it", doc_id)
            return doc_id
        except Exception:  # noqa: BLE001 - e.g. a serialisation conflict: the transaction rolled back whole
            log.warning("recording document %s failed, retrying:\n%s", doc_id, traceback.format_exc())
    _after_crash(runtime, doc_id, owner, attempts, "记录失败 / could not record the results")
    return doc_id


class _LeaseLost(Exception):
    pass


def _record(runtime: Runtime, doc_id: int, owner: str, uploader_id: int | None, records: list[dict[str, Any]],
            source: str) -> None:
    with runtime.write() as session:
        document = document_repo.still_owned(session=session, document_id=doc_id, owner=owner)
        if document is None:
            raise _LeaseLost()
        actor = _uploader(session, uploader_id)
        invoice_ids: list[int] = []
        duplicates: list[dict[str, Any]] = []
        errors: list[str] = []
        policy = ReviewPolicy.from_settings(runtime.settings)
        for record in records:
            # The reader's result crosses (from a child process or a Celery worker) as its own
            # JSON rendering and is read back whole; a verdict in it is ignored: the service
            # judges it, once, with its policy and its customer index.
            page = PageResult.from_json(record)
            if page.error is not None or page.draft is None:
                errors.append(str(page.error))
                continue
            result = record_draft(session=session, draft=page.draft, way_in="recognition", actor=actor, strict=False,
                                  document_id=doc_id, page=page.page, source=source, policy=policy, qr=page.qr)
            invoice_ids.append(result.invoice.id)
            if not result.created:
                duplicates.append({"invoice_id": result.invoice.id, "page": page.page})
        document.result = {"invoice_ids": invoice_ids, "duplicates": duplicates, "errors": errors}
        if not invoice_ids:
            _fail(document, "；".join(errors) or "未找到发票 / no invoice found in the file")
            return
        document.status = "done"
        document.error = "；".join(errors) or None
        document.lease_owner = document.lease_expires_at = None
        document.finished_at = utcnow()


def _uploader(session: Any, uploader_id: int | None) -> Actor:
    if uploader_id is None:
        return SYSTEM
    user = session.get(User, uploader_id)
    return actor_for(user) if user is not None else SYSTEM


def _after_crash(runtime: Runtime, doc_id: int, owner: str, attempts: int, reason: str) -> None:
    with runtime.write() as session:
        document = document_repo.still_owned(session=session, document_id=doc_id, owner=owner)
        if document is None:
            return
        if attempts >= runtime.settings.max_attempts:
            _fail(document, reason)
        else:
            document.status = "queued"
            document.error = reason[:2000]
            document.lease_owner = document.lease_expires_at = None


def _dead_local_owner(owner: str | None) -> bool:
    """Whether ``owner`` (``host:pid:…``, see pool.owner_prefix) was a process of this host that is gone."""
    if not owner:
        return True
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname()[:24] or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # a live process of another user
        return False
    return False


def requeue_at_start(runtime: Runtime) -> list[int]:
    """Requeue the documents a crashed server left ``processing`` (call when a worker pool starts).

    SQLite is the embedded mode, one server per file: whatever is ``processing``
    belonged to a process that is gone (a concurrent ``fapiao ingest`` would lose
    its lease and write nothing: still exactly once). On PostgreSQL several
    servers share the queue, so only expired leases and leases of dead processes
    of this host are taken; other hosts' leases run out by themselves."""
    with runtime.write() as session:
        expired = document_repo.requeue_expired(session=session)
        owners = document_repo.processing_owners(session=session)
        if runtime.engine.dialect.name != "sqlite":
            owners = {doc_id: owner for doc_id, owner in owners.items() if _dead_local_owner(owner)}
        requeued = expired + document_repo.requeue(session=session, ids_owners=owners)
    if requeued:
        log.info("requeued %d documents left in progress by a stopped worker: %s", len(requeued), requeued[:20])
    return requeued


def drain(runtime: Runtime, *, owner: str, extractor: Extractor) -> int:
    """Process until nothing is claimable (the CLI's `ingest` without a server)."""
    done = 0
    while process_next(runtime, owner=owner, extractor=extractor) is not None:
        done += 1
    return done



@contextmanager
def keep_leases(runtime: Runtime, owner: str) -> Iterator[None]:
    """Renew ``owner``'s leases every third of the lease time while the block runs (slow OCR is not death)."""
    stop = threading.Event()
    lease = runtime.settings.lease_seconds

    def beat() -> None:
        while not stop.wait(max(1.0, lease / 3)):
            try:
                with runtime.write() as session:
                    session.execute(document_repo.renew_statement(owner=owner, lease_seconds=lease))
            except Exception:  # noqa: BLE001
                log.exception("lease renewal failed")

    thread = threading.Thread(target=beat, name="fapiao-lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()


def seconds_until_claimable(runtime: Runtime, document_id: int) -> float | None:
    """For a document another worker holds: seconds until its lease expires; None if done, failed or gone."""
    with runtime.read() as session:
        document = session.get(Document, document_id)
        if document is None or document.status in ("done", "failed"):
            return None
        if document.status == "queued" or document.lease_expires_at is None:
            return 1.0
        remaining = (document.lease_expires_at - datetime.now(document.lease_expires_at.tzinfo)).total_seconds()
        return max(1.0, remaining + 1.0)
