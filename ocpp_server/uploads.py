"""The HTTP endpoint chargers upload diagnostics and log files to, and operators download them from.

``/ocpp/uploads/{token}[/{filename}]``: ``PUT`` with the raw file as the body, or ``POST``
multipart/form-data with the file in the ``file`` field (how chargers upload over HTTP); a token
signed for uploading is required (a charger may append its file name to the location it was given).
``GET`` with a token signed for downloading (the ``url`` that diagnostic-files lists) serves the file.
Uploads beyond the size limit are refused with 413 and nothing is kept.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Message, Receive

from domain.config import AuthConfig, OcppConfig
from domain.db import Database
from domain.error_body import error_body
from domain.services import diagnostics as service

log = logging.getLogger("chargegraph.ocpp.uploads")
CHUNK = 64 * 1024


class TooLarge(Exception):
    pass


def _error(status: int, error: str, message: str) -> JSONResponse:
    """The documented error body, as every REST route answers it."""
    return JSONResponse(error_body(error, message), status_code=status)


def _limited(receive: Receive, limit: int) -> Receive:
    """A receive channel that raises :class:`TooLarge` once the body passes ``limit`` bytes."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise TooLarge
        return message

    return wrapped


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


async def _write(chunks: AsyncIterator[bytes], target: Path, limit: int) -> int:
    """Write to a temporary file beside ``target`` and move it in place; returns the size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise TooLarge
                out.write(chunk)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return size


class Uploads:
    def __init__(
        self, db: Database, auth: AuthConfig, config: OcppConfig, max_bytes: int = service.MAX_UPLOAD_BYTES
    ) -> None:
        self.db = db
        self.auth = auth
        self.config = config
        self.max_bytes = max_bytes

    async def upload(self, request: Request) -> Response:
        file_uuid = service.verify(self.auth.secret_key, "upload", str(request.path_params["token"]))
        if file_uuid is None:
            return _error(403, "forbidden", "This upload link is not valid")
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return _error(413, "payload_too_large", f"Files are limited to {self.max_bytes} bytes")
        row = await service.find(self.db, file_uuid)
        if row is None or row.id is None:
            return _error(404, "not_found", "No such diagnostics request")
        target = service.stored_path(self.config.upload_dir, row)
        limited = Request(request.scope, _limited(request.receive, self.max_bytes))
        try:
            if request.method == "POST":
                size, content_type = await self._multipart(limited, target)
            else:
                size = await _write(limited.stream().__aiter__(), target, self.max_bytes)
                content_type = request.headers.get("content-type")
        except TooLarge:
            return _error(413, "payload_too_large", f"Files are limited to {self.max_bytes} bytes")
        except ValueError as exc:
            return _error(400, "bad_request", str(exc))
        except HTTPException as exc:  # a malformed multipart body (Starlette's form parser)
            return _error(400, "bad_request", str(exc.detail))
        await service.mark_uploaded(self.db, row.id, size, content_type)
        log.info("diagnostics file %s uploaded (%d bytes)", row.file_name, size)
        return JSONResponse({"fileName": row.file_name, "size": size}, status_code=201)

    async def _multipart(self, request: Request, target: Path) -> tuple[int, str | None]:
        form = await request.form(max_files=1, max_fields=20)
        try:
            upload: Any = form.get("file")
            if not isinstance(upload, UploadFile):
                upload = next((v for _, v in form.multi_items() if isinstance(v, UploadFile)), None)
            if upload is None:
                raise ValueError("The multipart body has no file field")
            size = await _write(_chunks(upload), target, self.max_bytes)
            return size, upload.content_type
        finally:
            await form.close()

    async def download(self, request: Request) -> Response:
        file_uuid = service.verify(self.auth.secret_key, "download", str(request.path_params["token"]))
        if file_uuid is None:
            return _error(403, "forbidden", "This download link is not valid")
        row = await service.find(self.db, file_uuid)
        if row is None or row.uploaded_at is None:
            return _error(404, "not_found", "The file has not been uploaded")
        path = service.stored_path(self.config.upload_dir, row)
        if not path.is_file():
            return _error(404, "not_found", "The file is no longer stored")
        return FileResponse(
            path, media_type=row.content_type or "application/octet-stream", filename=row.file_name
        )


def upload_routes(
    db: Database, auth: AuthConfig, config: OcppConfig, *, max_bytes: int = service.MAX_UPLOAD_BYTES
) -> list[BaseRoute]:
    """Mounted (not plain routes) so the REST OpenAPI document, which lists Route paths, ignores it."""
    uploads = Uploads(db, auth, config, max_bytes)
    return [
        Mount(
            "/ocpp/uploads",
            routes=[
                Route("/{token}", uploads.upload, methods=["PUT", "POST"]),
                Route("/{token}", uploads.download, methods=["GET"]),
                Route("/{token}/{filename}", uploads.upload, methods=["PUT", "POST"]),
                Route("/{token}/{filename}", uploads.download, methods=["GET"]),
            ],
        )
    ]
