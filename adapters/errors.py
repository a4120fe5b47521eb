"""Errors the adapters raise; callers catch them at the level they need.

```
AdapterError
├── TemporaryError        retried by the client (connection, timeout, 5xx, 429)
│   └── RateLimited       429, with the server's Retry-After in seconds
├── PermanentError        4xx other than 429; never retried
│   ├── NotFound          404
│   └── BadRequest        400
├── MalformedResponse     truncated body, bad JSON, wrong shape
└── MappingFault          one outside record that does not map to our records
```

Every aiohttp, asyncio and json exception is translated into this hierarchy in
``adapters.http`` with ``raise ... from``, so nothing foreign leaks to callers.
"""

from __future__ import annotations


class AdapterError(Exception):
    """Something went wrong talking to an outside system or reading its answer."""

    def __init__(
        self,
        message: str,
        *,
        system: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.system = system
        self.method = method
        self.path = path
        self.status = status
        # Set by the client once it gives up: how many requests were sent.
        self.attempts = 0


class TemporaryError(AdapterError):
    """A failure that may pass: the request can be sent again later."""


class RateLimited(TemporaryError):
    """The system asked us to slow down (429); wait at least ``retry_after`` s."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None,
        system: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message, system=system, method=method, path=path, status=429)
        self.retry_after = retry_after


class PermanentError(AdapterError):
    """The system refused the request; sending it again will not help."""


class NotFound(PermanentError):
    """The system has no such record (404)."""


class BadRequest(PermanentError):
    """The system found our request malformed (400)."""


class MalformedResponse(AdapterError):
    """The answer was cut short, was not JSON, or had the wrong shape."""


class MappingFault(AdapterError):
    """One outside record could not be mapped; quarantine it and go on.

    ``source_record_id`` is the record's id in the outside system (``None`` when the
    record carried none) and ``reason`` a stable SCREAMING_SNAKE code; ``detail``
    says what was wrong, for the person who reviews the quarantine.
    """

    def __init__(
        self, source_record_id: str | None, reason: str, detail: str = ""
    ) -> None:
        super().__init__(f"{source_record_id}: {reason} {detail}".rstrip())
        self.source_record_id = source_record_id
        self.reason = reason
        self.detail = detail

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MappingFault):
            return NotImplemented
        return (self.source_record_id, self.reason, self.detail) == (
            other.source_record_id,
            other.reason,
            other.detail,
        )

    def __hash__(self) -> int:
        return hash((self.source_record_id, self.reason, self.detail))

    def __repr__(self) -> str:
        return (
            f"MappingFault({self.source_record_id!r}, {self.reason!r}, {self.detail!r})"
        )
