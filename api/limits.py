"""Request size limit, enforced on the raw ASGI stream.

``Content-Length`` over the limit is refused before anything is read; a
chunked body is counted as it arrives and cut off at the limit.
"""
from __future__ import annotations

import json
from typing import Any

from fastapi import HTTPException


class _TooLarge(HTTPException):
    """An HTTPException so that FastAPI's body parsing re-raises it as a 413 instead of a generic 400."""


class BodySizeLimit:
    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    await self._refuse(send, 400, "Content-Length 无效 / bad Content-Length")
                    return
                if too_big:
                    await self._refuse(send, 413, self._message())
                    return
        received = 0
        started = False

        async def counting_receive() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge(413, self._message())
            return message

        async def tracking_send(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send, 413, self._message())

    def _message(self) -> str:
        return f"请求超过 {self.max_bytes // 2**20} MiB / request body larger than {self.max_bytes // 2**20} MiB"

    @staticmethod
    async def _refuse(send: Any, status: int, detail: str) -> None:
        body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
