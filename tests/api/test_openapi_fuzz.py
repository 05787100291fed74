"""Schemathesis generates requests from the OpenAPI spec, valid ones and
invalid ones, for every operation; none may produce a server error, and
every 4xx carries a message.

The operations are walked inside one test (not schemathesis' pytest
parametrisation, which collects differently on each xdist worker and then
silently runs nothing under ``pytest -n 2``). The app object is built at
import; building it touches nothing: the engine and files come from the
runtime the fixture attaches.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from api.app import create_app
from fapiao.settings import Settings
from tests.api.conftest import make_users
from tests.conftest import TEST_SECRET

# The schema is read at import; the app's own var_dir is a fresh temporary folder (never a fixed
# path: a database left there by a run of another branch would be at an unknown migration).
APP = create_app(Settings(var_dir=Path(tempfile.mkdtemp(prefix="fapiao-fuzz-")), secret_key=TEST_SECRET,
                          max_upload_mb=2), background=False)
EXAMPLES_PER_MODE = 8


@pytest.fixture
def fuzz_keys(make_settings, sqlite_url):
    from fapiao.services.runtime import open_runtime

    runtime = open_runtime(make_settings(database_url=sqlite_url, max_upload_mb=2))
    APP.state.runtime = runtime
    yield make_users(runtime)
    runtime.close()


def test_no_server_errors_on_any_operation(fuzz_keys) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
    headers = {"X-API-Key": fuzz_keys["admin"]}
    failures: list[str] = []
    calls = 0
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES_PER_MODE, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def check(case) -> None:
                nonlocal calls
                calls += 1
                response = case.call(headers=headers)
                assert response.status_code < 500, f"{response.status_code} {response.text[:200]}"
                if 400 <= response.status_code < 500:
                    assert "detail" in response.json()

            try:
                check()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # an operation without inputs has no invalid ones
            except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {str(exc)[:300]}")
    assert not failures, "\n".join(failures)
    assert calls >= len(operations) * 2
