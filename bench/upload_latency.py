"""Upload acknowledgement latency (202) with 20 concurrent clients against a
real `fapiao serve` (SQLite default, in-process OCR readers busy meanwhile,
as in production).

    python bench/upload_latency.py --samples DIR_OF_PHOTOS                 # open loop, 20 uploads/s
    python bench/upload_latency.py --samples DIR --rate 40 --per-client 20
    python bench/upload_latency.py --samples DIR --closed                  # saturation: no pause between uploads

Two load models, both with 20 clients on their own keep-alive connections:

* **open loop** (default): each client uploads at random (Poisson) moments,
  ``--rate`` uploads per second for all clients together, whether or not the
  server has answered the previous one. A late answer delays nothing, so the
  latency of an upload is counted from the moment it was *due*, not from when
  a busy client got round to it (no coordinated omission). This is a room of
  clerks photographing invoices: the question is how long each waits.
* **closed loop** (``--closed``): each client sends its next upload the moment
  the previous one is answered. That measures saturation throughput; its
  latency is, by Little's law, clients ÷ throughput, whatever OCR does.

The clients are one process of threads sending bodies encoded before the
clock starts (http.client, the body written with one sendall): the load
generator shares the 2 cores with the server and must not spend them
building multipart bodies in Python while the timer runs.

A folder with fewer samples than uploads is reused, each copy made a new
document by a unique trailer (JPEG, PNG and PDF readers ignore bytes after
the end), so every upload is stored and queued as in production. The load
average is printed before and after: on a shared machine it is the main
source of noise.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.records_common import DEFAULT_SAMPLES, Server, api_key, base_env, percentile, sample_files  # noqa: E402


def multipart_body(name: str, data: bytes) -> tuple[bytes, str]:
    """One ``files`` part, as a browser or the mobile page sends it."""
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Client:
    """One clerk's keep-alive connection."""

    def __init__(self, port: int, key: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.key = key

    def upload(self, body: bytes, content_type: str) -> tuple[int, bytes]:
        self.connection.request("POST", "/api/v1/documents", body=body,
                                headers={"Content-Type": content_type, "X-API-Key": self.key})
        response = self.connection.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=Path, default=DEFAULT_SAMPLES)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--per-client", type=int, default=10)
    parser.add_argument("--rate", type=float, default=20.0,
                        help="open loop: uploads per second from all clients together (Poisson arrivals)")
    parser.add_argument("--closed", action="store_true", help="closed loop: no pause between a client's uploads")
    parser.add_argument("--workers", type=int, default=2, help="in-process OCR workers running meanwhile")
    parser.add_argument("--warmup", type=int, default=6,
                        help="documents queued before timing; timing starts once the first is read (models loaded, "
                             "readers busy)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    wanted = args.clients * args.per_client + args.warmup
    files = sample_files(args.samples, wanted)
    work = Path(tempfile.mkdtemp(prefix="fapiao-latency-"))
    env = base_env(work / "var")
    key = api_key(env)
    server = Server(env, work / "server.log", workers=args.workers)
    server.start()

    uploads = [(f"u{i:04d}-{files[i % len(files)].name}", files[i % len(files)].read_bytes() + f"\n%fapiao-bench-{i}".encode())
               for i in range(wanted)]
    _warm_up(server.url, key, uploads[: args.warmup] if args.workers else [])
    bodies = [multipart_body(name, data) for name, data in uploads[args.warmup:]]
    rng = random.Random(args.seed)
    mean_gap = args.clients / args.rate if args.rate > 0 else 0.0
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(args.clients + 1)
    schedules = [[rng.expovariate(1 / mean_gap) if mean_gap else 0.0 for _ in range(args.per_client)]
                 for _ in range(args.clients)]

    def client(index: int) -> None:
        mine = bodies[index :: args.clients]
        connection = Client(server.port, key)
        barrier.wait()
        due = start_at
        for (body, content_type), gap in zip(mine, schedules[index]):
            if args.closed:
                due = time.perf_counter()
            else:
                due += gap
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            try:
                status, text = connection.upload(body, content_type)
            except (OSError, http.client.HTTPException) as exc:
                status, text = 0, str(exc).encode()
                connection.close()
                connection = Client(server.port, key)
            elapsed = time.perf_counter() - due
            with lock:
                (latencies.append(elapsed) if status == 202 else errors.append(f"{status} {text[:200]!r}"))
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    load_before = os.getloadavg()
    start_at = time.perf_counter() + 0.2
    barrier.wait()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start_at
    load_after = os.getloadavg()
    server.stop()
    sizes = [len(data) for _, data in uploads]
    model = "closed loop (no pause)" if args.closed else f"open loop, {args.rate:g} uploads/s offered (Poisson)"
    result = {
        "model": model, "clients": args.clients, "uploads": len(latencies), "errors": len(errors),
        "mean_kib": round(statistics.mean(sizes) / 1024), "workers": args.workers,
        "p50_ms": round(percentile(latencies, 50) * 1000), "p90_ms": round(percentile(latencies, 90) * 1000),
        "p99_ms": round(percentile(latencies, 99) * 1000), "max_ms": round(max(latencies) * 1000),
        "throughput": round(len(latencies) / wall, 1), "wall_s": round(wall, 1),
        "load_before": round(load_before[0], 1), "load_after": round(load_after[0], 1),
    }
    print(f"{result['uploads']} uploads acknowledged ({result['errors']} errors) from {args.clients} concurrent clients, "
          f"{model}; files {result['mean_kib']} KiB on average, {args.workers} OCR workers busy meanwhile")
    print(f"ack latency: p50 {result['p50_ms']} ms, p90 {result['p90_ms']} ms, p99 {result['p99_ms']} ms, "
          f"max {result['max_ms']} ms; {result['throughput']} uploads/s over {result['wall_s']} s")
    print(f"load average (1 min) {load_before[0]:.1f} before, {load_after[0]:.1f} after, on {os.cpu_count()} CPUs; "
          f"readers at niceness {env.get('FAPIAO_READER_NICENESS', '19 (default)')}")
    for error in errors[:5]:
        print("  error:", error)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


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
