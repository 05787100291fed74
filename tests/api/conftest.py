"""An app per test on its own database, with one user (and API key) per role."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from fapiao.services.accounts import create_user
from fapiao.services.actors import SYSTEM

ROLES = ("clerk", "reviewer", "manager", "admin")


@dataclass
class Api:
    client: TestClient
    keys: dict[str, str]
    runtime: object

    def as_(self, role: str | None) -> dict[str, str]:
        return {"X-API-Key": self.keys[role]} if role else {}

    def get(self, url: str, role: str | None = "admin", **kwargs):
        return self.client.get(url, headers=self.as_(role), **kwargs)

    def post(self, url: str, role: str | None = "admin", **kwargs):
        return self.client.post(url, headers=self.as_(role), **kwargs)

    def patch(self, url: str, role: str | None = "admin", **kwargs):
        return self.client.patch(url, headers=self.as_(role), **kwargs)


def make_users(runtime, names=ROLES) -> dict[str, str]:
    keys = {}
    with runtime.write() as session:
        for role in names:
            password = "admin-password" if role == "admin" else None  # scrypt is slow on purpose: one is enough
            _user, key = create_user(session=session, name=f"{role}-1", role=role, actor=SYSTEM, password=password)
            keys[role] = key.key
        _user, key = create_user(session=session, name="clerk-2", role="clerk", actor=SYSTEM)
        keys["clerk2"] = key.key
    return keys


@pytest.fixture
def api(runtime):
    from api.app import create_app

    app = create_app(runtime.settings, runtime=runtime, background=False)
    with TestClient(app) as client:
        yield Api(client=client, keys=make_users(runtime), runtime=runtime)
