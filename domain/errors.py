"""Domain errors: each carries a stable slug, a message and the HTTP status it maps to."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    error = "bad_request"

    def __init__(self, message: str, *, error: str | None = None, details: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        if error is not None:
            self.error = error
        self.details = details


class BadRequest(DomainError):
    status = 400
    error = "bad_request"


class Unauthorized(DomainError):
    status = 401
    error = "unauthorized"


class Forbidden(DomainError):
    status = 403
    error = "forbidden"


class NotFound(DomainError):
    status = 404
    error = "not_found"


class Conflict(DomainError):
    status = 409
    error = "conflict"


class ValidationFailed(DomainError):
    status = 422
    error = "validation_error"


class RateLimited(DomainError):
    status = 429
    error = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def not_found(kind: str) -> NotFound:
    return NotFound(f"{kind} not found")
