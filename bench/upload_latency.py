"""Upload acknowledgement latency (202) with 20 concurrent clients against a
real `fapiao serve` (SQLite default, in-process workers busy with OCR at the
same time, as in production).

    python bench/upload_latency.py [--clients 20] [--per-client 10] [--workers 2]

A folder with fewer samples than uploads is reused, each copy made a new
document by a unique trailer (JPEG, PNG and PDF readers ignore bytes after
the end), so every upload is stored and queued as in production. The load
average is printed before and after: on a shared machine it is the main
source of noise.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.records_common import DEFAULT_SAMPLES, Server, api_key, base_env, percentile, sample_files  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=Path, default=DEFAULT_SAMPLES)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--per-client", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="in-process OCR workers running meanwhile")
    parser.add_argument("--warmup", type=int, default=6,
                        help="documents queued before timing; timing starts once the first is read (models loaded, "
                             "readers busy)")
    args = parser.parse_args()
    wanted = args.clients * args.per_client + args.warmup
    files = sample_files(args.samples, wanted)
    work = Path(tempfile.mkdtemp(prefix="fapiao-latency-"))
    env = base_env(work / "var")
    key = api_key(env)
    server = Server(env, work / "server.log", workers=args.workers)
    server.start()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(args.clients)

    uploads = [(f"u{i:04d}-{files[i % len(files)].name}", files[i % len(files)].read_bytes() + f"\n%fapiao-bench-{i}".encode())
               for i in range(wanted)]
    _warm_up(server.url, key, uploads[: args.warmup] if args.workers else [])
    uploads = uploads[args.warmup:]
    load_before = os.getloadavg()

    def client(index: int) -> None:
        payloads = uploads[index :: args.clients]
        with httpx.Client(base_url=server.url, headers={"X-API-Key": key}, timeout=120) as http:
            barrier.wait()
            for name, data in payloads:
                start = time.perf_counter()
                response = http.post("/api/v1/documents", files=[("files", (name, data))])
                elapsed = time.perf_counter() - start
                with lock:
                    (latencies.append(elapsed) if response.status_code == 202 else errors.append(response.text[:200]))

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    load_after = os.getloadavg()
    server.stop()
    sizes = [len(data) for _, data in uploads]
    print(f"{len(latencies)} uploads acknowledged ({len(errors)} errors) from {args.clients} concurrent clients, "
          f"files {statistics.mean(sizes) / 1024:.0f} KiB on average, {args.workers} OCR workers busy meanwhile")
    print(f"ack latency: p50 {percentile(latencies, 50) * 1000:.0f} ms, p90 {percentile(latencies, 90) * 1000:.0f} ms, "
          f"p99 {percentile(latencies, 99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms; "
          f"{len(latencies) / wall:.1f} uploads/s over {wall:.1f} s")
    print(f"load average (1 min) {load_before[0]:.1f} before, {load_after[0]:.1f} after, on {os.cpu_count()} CPUs; "
          f"readers at niceness {env.get('FAPIAO_READER_NICENESS', 'default')}")
    for error in errors[:5]:
        print("  error:", error)


def _warm_up(url: str, key: str, uploads: list[tuple[str, bytes]], timeout: float = 300) -> None:
    """Queue some documents and wait until one is read: the readers have loaded
    their models and are busy with the rest while the timed uploads run."""
    if not uploads:
        return
    with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=120) as http:
        ids = [http.post("/api/v1/documents", files=[("files", item)]).json()["documents"][0]["id"] for item in uploads]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(http.get(f"/api/v1/documents/{i}").json()["status"] in ("done", "failed") for i in ids):
                return
            time.sleep(0.5)
    raise SystemExit("warm-up: no document was read in time")


if __name__ == "__main__":
    main()
