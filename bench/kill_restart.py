"""200 sample files through the API, the server killed with SIGKILL twice
(once half-way through the uploads, once half-way through the processing)
and restarted: every file must end processed exactly once, with no
duplicate records.

    python bench/kill_restart.py [--samples /tmp/fapiao-bench/s200] [--workers 2]

Samples: python -m samples.generate --out /tmp/fapiao-bench/s200 --n 200 --seed 2026 --pdf-share 1
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.records_common import DEFAULT_SAMPLES, Server, api_key, base_env, sample_files  # noqa: E402


def upload_all(server: Server, key: str, files: list[Path], acked: dict[Path, int], stop_after: int | None,
               clients: int = 4) -> None:
    """Upload with ``clients`` threads; stop sending once ``stop_after`` acknowledgements arrived."""
    lock = threading.Lock()
    queue = [f for f in files if f not in acked]

    def work() -> None:
        with httpx.Client(base_url=server.url, headers={"X-API-Key": key}, timeout=60) as client:
            while True:
                with lock:
                    if not queue or (stop_after is not None and len(acked) >= stop_after):
                        return
                    path = queue.pop(0)
                try:
                    response = client.post("/api/v1/documents", files=[("files", (path.name, path.read_bytes()))])
                except httpx.HTTPError:
                    return  # the server died under us; the file stays un-acknowledged
                if response.status_code == 202:
                    with lock:
                        acked[path] = response.json()["documents"][0]["id"]

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def counts(db: Path) -> Counter:
    with sqlite3.connect(db) as conn:
        return Counter(dict(conn.execute("SELECT status, count(*) FROM documents GROUP BY status").fetchall()))


def wait_for(db: Path, predicate, timeout: float, label: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate(counts(db)):
            return
        time.sleep(1)
    raise SystemExit(f"timed out waiting for {label}: {dict(counts(db))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=Path, default=DEFAULT_SAMPLES)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    files = sample_files(args.samples, args.n)
    work = Path(tempfile.mkdtemp(prefix="fapiao-kill-"))
    env = base_env(work / "var", FAPIAO_LEASE_SECONDS="20")
    key = api_key(env)
    db = work / "var" / "fapiao.sqlite3"
    server = Server(env, work / "server.log", workers=args.workers)
    acked: dict[Path, int] = {}
    started = time.monotonic()

    server.start()
    upload_all(server, key, files, acked, stop_after=len(files) // 2)
    server.kill9()  # 1: half-way through the uploads (requests in flight are lost)
    print(f"kill -9 #1 after {len(acked)} acknowledged uploads; documents: {dict(counts(db))}")
    server.start()
    upload_all(server, key, files, acked, stop_after=None)  # clients retry what was not acknowledged
    print(f"all {len(acked)} uploads acknowledged; documents: {dict(counts(db))}")
    wait_for(db, lambda c: c["done"] + c["failed"] >= len(files) // 2, 3600, "half processed")
    server.kill9()  # 2: half-way through the processing (jobs in flight are lost)
    print(f"kill -9 #2 while processing; documents: {dict(counts(db))}")
    server.start()
    wait_for(db, lambda c: c["done"] + c["failed"] == len(files) and not c["queued"] and not c["processing"], 3600,
             "all processed")
    server.stop()
    elapsed = time.monotonic() - started

    with sqlite3.connect(db) as conn:
        documents = conn.execute("SELECT id, filename, status, attempts, result, error FROM documents").fetchall()
        invoices = conn.execute("SELECT id, document_id, dedup_key FROM invoices").fetchall()
        submissions = conn.execute("SELECT count(*) FROM document_submissions").fetchone()[0]
    per_document = Counter(doc for _, doc, _ in invoices)
    keys = Counter(key for _, _, key in invoices if key)
    problems = []
    if len(documents) != len(files):
        problems.append(f"{len(documents)} documents for {len(files)} files")
    if set(acked.values()) != {d[0] for d in documents}:
        problems.append("acknowledged ids and stored documents differ")
    problems += [f"document {doc} has {n} invoices" for doc, n in per_document.items() if n > 1]
    problems += [f"dedup key {k} recorded {n} times" for k, n in keys.items() if n > 1]
    failed = [d for d in documents if d[2] == "failed"]
    attempts = Counter(d[3] for d in documents)
    print(f"files {len(files)}, documents {len(documents)}, uploads recorded {submissions}, "
          f"done {sum(d[2] == 'done' for d in documents)}, failed {len(failed)}, invoices {len(invoices)}, "
          f"attempts per document {dict(sorted(attempts.items()))}, elapsed {elapsed:.0f} s")
    for document in failed[:10]:
        print(f"  failed #{document[0]} {document[1]}: {document[5]}")
    print("RESULT:", "OK — every file processed exactly once, no duplicate records" if not problems else problems)
    print(f"(work dir {work})")


if __name__ == "__main__":
    main()
