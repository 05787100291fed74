"""Upload acknowledgement latency (202) with 20 concurrent clients against a
real `fapiao serve` (SQLite default, in-process workers busy with OCR at the
same time, as in production).

    python bench/upload_latency.py [--clients 20] [--per-client 10] [--workers 2]
"""
from __future__ import annotations

import argparse
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
    args = parser.parse_args()
    files = sample_files(args.samples, args.clients * args.per_client)
    work = Path(tempfile.mkdtemp(prefix="fapiao-latency-"))
    env = base_env(work / "var")
    key = api_key(env)
    server = Server(env, work / "server.log", workers=args.workers)
    server.start()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(args.clients)

    def client(index: int) -> None:
        mine = files[index :: args.clients]
        payloads = [(p.name, p.read_bytes()) for p in mine]
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
    server.stop()
    sizes = [p.stat().st_size for p in files]
    print(f"{len(latencies)} uploads acknowledged ({len(errors)} errors) from {args.clients} concurrent clients, "
          f"files {statistics.mean(sizes) / 1024:.0f} KiB on average, {args.workers} OCR workers busy meanwhile")
    print(f"ack latency: p50 {percentile(latencies, 50) * 1000:.0f} ms, p90 {percentile(latencies, 90) * 1000:.0f} ms, "
          f"p99 {percentile(latencies, 99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms; "
          f"{len(latencies) / wall:.1f} uploads/s over {wall:.1f} s")
    for error in errors[:5]:
        print("  error:", error)


if __name__ == "__main__":
    main()
