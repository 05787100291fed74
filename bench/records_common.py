"""Shared by the records benchmarks: run `fapiao serve` / `fapiao worker` as
real subprocesses, create an API key, pick sample files. Scripts, not tests:
they write only under a temporary directory."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from fapiao.cli import main; main()"]
DEFAULT_SAMPLES = Path("/tmp/fapiao-bench/s200")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "FAPIAO_VAR_DIR": str(var_dir)}
    env.update({k: v for k, v in extra.items() if v is not None})
    return env


def cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(CLI + list(args), env=env, cwd=REPO, capture_output=True, text=True, check=True)
    return result.stdout


def api_key(env: dict[str, str], name: str = "bench", role: str = "admin") -> str:
    return cli(env, "users", "create", name, "--role", role).strip().splitlines()[-1]


class Server:
    """`fapiao serve` in its own process group, so kill -9 takes it down exactly as a crash would."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 2) -> None:
        self.env, self.log, self.workers = env, log, workers
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        handle = self.log.open("a")
        self.process = subprocess.Popen(
            CLI + ["serve", "--port", str(self.port), "--workers", str(self.workers)],
            env=self.env, cwd=REPO, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited; see {self.log}")
            time.sleep(0.2)
        raise RuntimeError(f"server did not start; see {self.log}")

    def kill9(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def sample_files(folder: Path, limit: int | None = None, kinds: tuple[str, ...] = (".pdf", ".png", ".jpg")) -> list[Path]:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in kinds)
    if not files:
        raise SystemExit(f"no samples in {folder}: python -m samples.generate --out {folder} --n 200 --pdf-share 1")
    return files[:limit] if limit else files


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
