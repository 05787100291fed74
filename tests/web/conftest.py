"""Web UI tests: a real uvicorn server (in a thread, on a free port, its own
SQLite file and in-process worker) and, for the browser tests, Debian's
Chromium driven by Playwright.

When Chromium or Playwright is missing, browser tests fail under ``CI=true``
(``scripts/install-browser.sh`` installs Chromium) and are skipped otherwise.
"""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

CHROMIUM = os.environ.get("FAPIAO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "web-test-password"
REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class WebServer:
    url: str
    app: Any
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    def api(self, role: str = "admin") -> Any:
        import httpx

        return httpx.Client(base_url=self.url, headers={"X-API-Key": self.keys[role]}, timeout=30)

    def wait_for_documents(self, ids: list[int], timeout: float = 30.0) -> None:
        from store.models import Document

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.runtime.read() as session:
                states = [session.get(Document, i).status for i in ids]
            if all(s in ("done", "failed") for s in states):
                return
            time.sleep(0.1)
        raise AssertionError(f"documents {ids} not processed in {timeout}s: {states}")


@pytest.fixture
def web_server(tmp_path: Path, sqlite_template: Path, make_settings) -> Iterator[WebServer]:
    import uvicorn

    from api.app import create_app
    from fapiao.services.accounts import create_user
    from fapiao.services.actors import SYSTEM

    database = tmp_path / "web.sqlite3"
    shutil.copy(sqlite_template, database)
    settings = make_settings(database_url=f"sqlite:///{database}", workers=1,
                             extractor="tests.web.extractor:factory")
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="web-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test web server did not start")
        time.sleep(0.05)
    web = WebServer(url=f"http://127.0.0.1:{port}", app=app)
    with web.runtime.write() as session:
        for role in ("clerk", "reviewer", "manager", "admin"):
            _user, key = create_user(session=session, name=role, role=role, actor=SYSTEM, password=PASSWORD)
            web.keys[role] = key.key
    try:
        yield web
    finally:
        server.should_exit = True
        thread.join(15)


_shared_browser: dict[str, Any] = {}


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A headless Chromium (Debian's package) driven by Playwright, one per process.

    Other test packages import this fixture, which registers it again; a second
    `sync_playwright()` in the same thread would fail, so the browser is kept
    at module level and closed when the process exits."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _missing(f"Playwright is not installed ({exc}); pip install playwright")
    if not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} not found: run scripts/install-browser.sh (apt-get install chromium)")
    if "browser" not in _shared_browser:
        import atexit

        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        _shared_browser.update(playwright=playwright, browser=browser)

        def close() -> None:
            browser.close()
            playwright.stop()

        atexit.register(close)
    yield _shared_browser["browser"]


def _missing(message: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where the browser tests save screenshots: artifacts/screenshots/ when FAPIAO_ARTIFACTS is set."""
    target = REPO / "artifacts" / "screenshots" if os.environ.get("FAPIAO_ARTIFACTS") else tmp_path / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    return target


def log_in(page: Any, base_url: str, name: str, *, next_path: str = "/") -> None:
    page.goto(f"{base_url}/login?next={next_path}")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(lambda url: "/login" not in url)


@dataclass
class Pages:
    """An app on the parametrised test database (SQLite, and PostgreSQL in CI), driven with TestClient."""

    client: Any
    keys: dict[str, str]
    runtime: Any

    def as_(self, role: str | None) -> dict[str, str]:
        return {"X-API-Key": self.keys[role]} if role else {}

    def get(self, url: str, role: str | None = "admin", **kwargs: Any) -> Any:
        return self.client.get(url, headers=self.as_(role), follow_redirects=False, **kwargs)

    def post(self, url: str, role: str | None = "admin", **kwargs: Any) -> Any:
        headers = self.as_(role) | kwargs.pop("headers", {})
        return self.client.post(url, headers=headers, follow_redirects=False, **kwargs)


@pytest.fixture
def pages(runtime) -> Iterator[Pages]:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from fapiao.services.accounts import create_user
    from fapiao.services.actors import SYSTEM

    app = create_app(runtime.settings, runtime=runtime, background=False)
    keys = {}
    with runtime.write() as session:
        for role in ("clerk", "reviewer", "manager", "admin"):
            password = PASSWORD if role in ("clerk", "reviewer") else None  # scrypt is slow on purpose
            _user, key = create_user(session=session, name=role, role=role, actor=SYSTEM, password=password)
            keys[role] = key.key
        _user, key = create_user(session=session, name="clerk2", role="clerk", actor=SYSTEM)
        keys["clerk2"] = key.key
    with TestClient(app) as client:
        yield Pages(client=client, keys=keys, runtime=runtime)
