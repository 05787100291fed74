"""The document queue: upload → claim → record, exactly once, whatever dies when."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from fapiao.services.actors import Actor
from fapiao.services.jobs import drain, process_next
from fapiao.services.pool import WorkerPool
from fapiao.services.uploads import sanitize_filename, sniff_media_type, submit_files
from store.models import Document, DocumentSubmission, Invoice
from store.types import utcnow
from tests.services.factories import blue, digital_number
from tests.services.json_extractor import extract, png_with_records, record_for

CLERK = Actor(user_id=None, name="clerk", role="clerk")


def invoice_png(serial: int, **kwargs) -> bytes:
    return png_with_records([record_for(blue(digital_number(serial)))], **kwargs)


@pytest.fixture
def rt(make_settings, database_url):
    from fapiao.services.runtime import open_runtime

    runtime = open_runtime(make_settings(database_url=database_url, lease_seconds=5, max_attempts=3))
    yield runtime
    runtime.close()


def test_upload_stores_by_hash_and_is_idempotent(rt) -> None:
    data = invoice_png(1)
    first = submit_files(rt, [("../../etc/passwd.png", data)], actor=CLERK)
    again = submit_files(rt, [("copy.png", data)], actor=CLERK)
    (a,), (b,) = first.accepted, again.accepted
    assert a.document_id == b.document_id and not a.duplicate and b.duplicate
    assert a.filename == "passwd.png"
    with rt.read() as session:
        document = session.get(Document, a.document_id)
        assert rt.storage.path(document.storage_key).read_bytes() == data
        assert session.scalar(select(func.count(DocumentSubmission.id))) == 2


def test_a_document_is_processed_once_into_its_invoices(rt) -> None:
    (accepted,) = submit_files(rt, [("a.png", invoice_png(1))], actor=CLERK).accepted
    assert drain(rt, owner="w1", extractor=extract) == 1
    assert drain(rt, owner="w1", extractor=extract) == 0
    with rt.read() as session:
        document = session.get(Document, accepted.document_id)
        assert document.status == "done" and document.attempts == 1
        invoice = session.scalars(select(Invoice)).one()
        assert document.result["invoice_ids"] == [invoice.id]
        assert invoice.document_id == document.id and invoice.way_in == "recognition"


def test_same_invoice_in_two_files_is_recorded_once(rt) -> None:
    submit_files(rt, [("photo.png", invoice_png(1, salt="photo")), ("scan.png", invoice_png(1, salt="scan"))], actor=CLERK)
    drain(rt, owner="w1", extractor=extract)
    with rt.read() as session:
        assert session.scalar(select(func.count(Invoice.id))) == 1
        second = session.scalars(select(Document).order_by(Document.id.desc())).first()
        assert second.status == "done" and second.result["duplicates"]


def test_unreadable_file_fails_with_the_reason(rt) -> None:
    submit_files(rt, [("blank.png", png_with_records([{"file": "x", "error": "no invoice found"}]))], actor=CLERK)
    drain(rt, owner="w1", extractor=extract)
    with rt.read() as session:
        document = session.scalars(select(Document)).one()
        assert (document.status, document.error) == ("failed", "no invoice found")


def test_reader_crash_is_retried_then_failed(rt) -> None:
    submit_files(rt, [("bad.png", invoice_png(1, fail="boom"))], actor=CLERK)
    drain(rt, owner="w1", extractor=extract)
    with rt.read() as session:
        document = session.scalars(select(Document)).one()
        assert document.status == "failed" and document.attempts == 3 and "boom" in document.error


def test_worker_dying_mid_job_leaves_the_document_to_another(rt) -> None:
    submit_files(rt, [("a.png", invoice_png(1))], actor=CLERK)

    def dies(_path):
        raise KeyboardInterrupt  # stands in for kill -9: the thread stops without cleaning up

    with pytest.raises(KeyboardInterrupt):
        process_next(rt, owner="dead", extractor=dies)
    assert process_next(rt, owner="w2", extractor=extract) is None  # the lease still holds
    with rt.write() as session:  # ...until it expires
        session.execute(update(Document).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    assert process_next(rt, owner="w2", extractor=extract) is not None
    with rt.read() as session:
        document = session.scalars(select(Document)).one()
        assert (document.status, document.attempts) == ("done", 2)
        assert session.scalar(select(func.count(Invoice.id))) == 1


def test_a_worker_that_lost_its_lease_writes_nothing(rt) -> None:
    submit_files(rt, [("a.png", invoice_png(1))], actor=CLERK)
    stolen = threading.Event()

    def slow(path):
        # while this worker reads, its lease expires and another worker finishes the document
        with rt.write() as session:
            session.execute(update(Document).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
        assert process_next(rt, owner="fast", extractor=extract) is not None
        stolen.set()
        return extract(path)

    process_next(rt, owner="slow", extractor=slow)
    assert stolen.is_set()
    with rt.read() as session:
        assert session.scalar(select(func.count(Invoice.id))) == 1
        assert session.scalars(select(Document.status)).one() == "done"


def test_pool_processes_concurrent_uploads_exactly_once(rt) -> None:
    pool = WorkerPool(rt, lambda: extract, threads=3)
    rt.on_documents_queued.append(pool.notify)
    pool.start()
    try:
        files = [(f"{i}.png", invoice_png(i % 15, salt=str(i), sleep=0.01)) for i in range(30)]
        uploads = [threading.Thread(target=submit_files, args=(rt, files[i::3]), kwargs={"actor": CLERK}) for i in range(3)]
        for thread in uploads:
            thread.start()
        for thread in uploads:
            thread.join()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with rt.read() as session:
                if session.scalar(select(func.count(Document.id)).where(Document.status == "done")) == 30:
                    break
            time.sleep(0.2)
    finally:
        pool.stop()
    with rt.read() as session:
        assert session.scalar(select(func.count(Document.id)).where(Document.status == "done")) == 30
        assert session.scalar(select(func.count(Invoice.id))) == 15  # 30 files, 15 distinct invoices
        assert session.scalar(select(func.max(Document.attempts))) == 1


@pytest.mark.parametrize(
    "raw, expected",
    [("../../etc/passwd", "passwd"), ("C:\\Users\\x\\发票.pdf", "发票.pdf"), ("..", "upload"), ("", "upload"),
     ("a\x00b\nc.png", "abc.png"), (".hidden.jpg", "hidden.jpg"), ("x" * 300 + ".pdf", "x" * 196 + ".pdf")],
)
def test_filenames_are_sanitised(raw: str, expected: str) -> None:
    assert sanitize_filename(raw) == expected


def test_types_come_from_the_bytes_not_the_name() -> None:
    assert sniff_media_type(b"%PDF-1.7\n...") == "application/pdf"
    assert sniff_media_type(b"\xff\xd8\xff\xe0" + b"\0" * 20) == "image/jpeg"
    assert sniff_media_type(b"<html><script>") is None
    assert sniff_media_type(b"MZ\x90\x00") is None


def test_process_pool_survives_a_reader_crash(make_settings, database_url) -> None:
    """A file that kills the reading process fails after its attempts; the server and other files carry on."""
    from fapiao.services.background import start_background
    from fapiao.services.runtime import open_runtime

    runtime = open_runtime(make_settings(database_url=database_url, workers=1, worker_mode="processes",
                                         extractor="tests.services.json_extractor:factory", max_attempts=2))
    background = start_background(runtime)
    try:
        crash = png_with_records([record_for(blue(digital_number(1)))], exit_process=True)
        good = invoice_png(2)
        submit_files(runtime, [("crash.png", crash), ("good.png", good)], actor=CLERK)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with runtime.read() as session:
                statuses = session.scalars(select(Document.status).order_by(Document.id)).all()
            if all(s in ("done", "failed") for s in statuses):
                break
            time.sleep(0.3)
    finally:
        background.stop()
    with runtime.read() as session:
        crashed, fine = session.scalars(select(Document).order_by(Document.id)).all()
        assert (crashed.status, crashed.attempts) == ("failed", 2) and "crashed" in crashed.error
        assert fine.status == "done"
    runtime.close()


def test_reader_processes_exit_when_the_server_is_killed(tmp_path) -> None:
    """kill -9 of the server process must not leave reader processes behind."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "server.py"
    script.write_text(
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from fapiao.services.procpool import ProcessExtractor\n"
        "from fapiao.settings import Settings\n"
        "if __name__ == '__main__':\n"
        "    settings = Settings(var_dir=Path(sys.argv[1]), extractor='tests.services.json_extractor:factory')\n"
        "    pool = ProcessExtractor(settings, 2)._pool()\n"
        "    futures = [pool.submit(os.getpid) for _ in range(6)]\n"
        "    print(' '.join(str(p) for p in {f.result() for f in futures}), flush=True)\n"
        "    time.sleep(120)\n"
    )
    repo = Path(__file__).resolve().parents[2]
    server = subprocess.Popen([sys.executable, str(script), str(tmp_path / "var")], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(repo)}, cwd=repo)
    readers = [int(pid) for pid in server.stdout.readline().split()]
    assert readers
    os.kill(server.pid, signal.SIGKILL)
    server.wait()
    deadline = time.monotonic() + 20
    alive = readers
    while alive and time.monotonic() < deadline:
        time.sleep(0.5)
        alive = [pid for pid in alive if _alive(pid)]
    for pid in alive:  # clean up before failing
        os.kill(pid, signal.SIGKILL)
    assert not alive


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as handle:
        return handle.read().split()[2] != "Z"


def _left_processing(rt, owner: str) -> int:
    """A document a worker claimed (lease still valid for minutes) before its process died."""
    submit_files(rt, [("a.png", invoice_png(1))], actor=CLERK)
    with rt.write() as session:
        document = session.scalars(select(Document)).one()
        document.status, document.lease_owner = "processing", owner
        document.lease_expires_at = utcnow() + timedelta(minutes=5)
        return document.id


def _dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_restarted_server_requeues_what_its_dead_predecessor_was_reading(rt) -> None:
    """Issue #10 item 7: was requeued only once the lease expired (≈50 s after a crash)."""
    import socket

    owner = f"{socket.gethostname()[:24]}:{_dead_pid()}:abc123-0"
    document_id = _left_processing(rt, owner)
    pool = WorkerPool(rt, lambda: extract, threads=1)
    pool.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with rt.read() as session:
                if session.get(Document, document_id).status == "done":
                    break
            time.sleep(0.1)
    finally:
        pool.stop()
    with rt.read() as session:
        assert session.get(Document, document_id).status == "done"
        assert session.scalar(select(func.count(Invoice.id))) == 1


def test_another_hosts_live_lease_is_left_alone_on_postgresql_only(rt) -> None:
    from fapiao.services.jobs import requeue_at_start

    document_id = _left_processing(rt, "other-host:4242:abc123-0")
    requeued = requeue_at_start(rt)
    if rt.engine.dialect.name == "sqlite":  # embedded: one server per file, so the owner is gone
        assert requeued == [document_id]
    else:  # several servers share PostgreSQL: that lease is another server's until it expires
        assert requeued == []
        with rt.read() as session:
            assert session.get(Document, document_id).status == "processing"
