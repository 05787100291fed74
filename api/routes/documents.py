"""Recognition: upload files (or a ZIP), answered 202 at once; poll the status."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, UploadFile, status
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from api.deps import Clerk, IdPath, Limit, Offset, ReadSession, Reviewer, RuntimeDep
from api.schemas.records import DocumentPage, DocumentPublic, UploadAccepted
from fapiao.services import visibility
from fapiao.services.actors import Actor
from fapiao.services.errors import BadUpload
from fapiao.services.uploads import retry_document, submit_files
from store.models import Document

router = APIRouter(prefix="/documents", tags=["documents"])
MAX_FILES_PER_REQUEST = 100


def _public(session: Session, document: Document, actor: Actor) -> DocumentPublic:
    found, duplicates = visibility.document_result_ids(session=session, actor=actor, result=document.result)
    return DocumentPublic(
        id=document.id, filename=document.filename, media_type=document.media_type, size_bytes=document.size_bytes,
        status=document.status, error=document.error, attempts=document.attempts,
        invoice_ids=found, duplicate_of_invoice_ids=duplicates,
        created_at=document.created_at, finished_at=document.finished_at,
    )


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=UploadAccepted,
             summary="Upload invoice files (PDF, OFD, images) or a ZIP of them; processed in the background")
def upload(
    runtime: RuntimeDep,
    actor: Clerk,
    files: Annotated[list[UploadFile], File(description="One or more files, or ZIP archives")],
) -> UploadAccepted:
    if len(files) > MAX_FILES_PER_REQUEST:
        raise BadUpload(f"一次最多上传 {MAX_FILES_PER_REQUEST} 个文件（可打包成 ZIP）/ at most {MAX_FILES_PER_REQUEST} files per request")
    limit = runtime.settings.max_upload_bytes
    payload = []
    for upload_file in files:
        data = upload_file.file.read(limit + 1)
        payload.append((upload_file.filename, data))
    result = submit_files(runtime, payload, actor=actor)
    if not result.accepted and result.refused:
        worst = max(r.status_code for r in result.refused)
        exc = BadUpload("；".join(r.detail for r in result.refused[:10]))
        exc.status = worst
        raise exc
    return UploadAccepted.model_validate(
        {"documents": [{"id": a.document_id, "filename": a.filename, "status": a.status, "duplicate": a.duplicate}
                       for a in result.accepted],
         "refused": [{"filename": r.filename, "detail": r.detail, "status_code": r.status_code} for r in result.refused]}
    )


@router.get("", response_model=DocumentPage, summary="Uploaded documents (clerks see their own)")
def list_documents(
    session: ReadSession,
    actor: Clerk,
    status_filter: Annotated[Literal["queued", "processing", "done", "failed"] | None, Query(alias="status")] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> DocumentPage:
    rows, total = visibility.document_page(session=session, actor=actor, status=status_filter, offset=offset, limit=limit)
    return DocumentPage(items=[_public(session, d, actor) for d in rows], total=total, offset=offset, limit=limit)


@router.get("/{document_id}", response_model=DocumentPublic,
            summary="Status (queued / processing / done / failed with reason) and the invoices found")
def get_document(document_id: IdPath, session: ReadSession, actor: Clerk) -> DocumentPublic:
    return _public(session, visibility.visible_document(session=session, actor=actor, document_id=document_id), actor)


@router.get("/{document_id}/file", response_class=FileResponse, summary="The original file as uploaded")
def get_document_file(document_id: IdPath, session: ReadSession, runtime: RuntimeDep, actor: Clerk) -> FileResponse:
    document = visibility.visible_document(session=session, actor=actor, document_id=document_id)
    return FileResponse(runtime.storage.path(document.storage_key), media_type=document.media_type,
                        filename=document.filename, content_disposition_type="inline")


@router.post("/{document_id}/retry", response_model=DocumentPublic, summary="Queue a failed document again")
def retry(document_id: IdPath, runtime: RuntimeDep, actor: Reviewer) -> DocumentPublic:
    retry_document(runtime, document_id, actor=actor)
    with runtime.read() as session:
        return _public(session, visibility.visible_document(session=session, actor=actor, document_id=document_id), actor)
