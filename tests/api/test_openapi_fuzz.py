"""Schemathesis generates requests from the OpenAPI spec (valid and invalid
ones); none may produce a server error, and every 4xx carries a message.

The app object is built at import (building it touches nothing: the engine
and files come from the runtime the fixture attaches), because schemathesis
reads the spec while collecting tests.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from api.app import create_app
from fapiao.settings import Settings
from tests.api.conftest import make_users
from tests.conftest import TEST_SECRET

APP = create_app(Settings(var_dir=Path("/nonexistent/fapiao-fuzz"), secret_key=TEST_SECRET, max_upload_mb=2),
                 background=False)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture
def fuzz_keys(make_settings, sqlite_url):
    from fapiao.services.runtime import open_runtime

    runtime = open_runtime(make_settings(database_url=sqlite_url, max_upload_mb=2))
    APP.state.runtime = runtime
    yield make_users(runtime)
    runtime.close()


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, fuzz_keys) -> None:
    response = case.call(headers={"X-API-Key": fuzz_keys["admin"]})
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
    if 400 <= response.status_code < 500:
        assert "detail" in response.json()
