"""The HTTP client base: retries, error translation, logging, pagination (C17)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from adapters.errors import (
    BadRequest,
    MalformedResponse,
    NotFound,
    PermanentError,
    RateLimited,
    TemporaryError,
)
from adapters.http import AdapterClient, ClientConfig, RawPage, parse_retry_after
from adapters.simulators import serve
from tests.adapters.conftest import FakeClock


class HealthClient(AdapterClient):
    system = "health"


def config(base_url: str, **changes: Any) -> ClientConfig:
    values: dict[str, Any] = {
        "base_url": base_url,
        "connect_timeout": 1.0,
        "read_timeout": 1.0,
        "max_attempts": 4,
    }
    values.update(changes)
    return ClientConfig(**values)


class Recorder:
    """A stand-in for the health system that records what it was sent."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.requests: list[tuple[str, str, float, str | None]] = []

    def record(self, request: web.Request) -> None:
        key = request.headers.get("Idempotency-Key")
        self.requests.append((request.method, request.path, self.clock(), key))


def app_with(*routes: tuple[str, str, Any]) -> web.Application:
    app = web.Application()
    for method, path, handler in routes:
        app.router.add_route(method, path, handler)
    return app


async def test_c17a_success_sends_one_request(clock: FakeClock) -> None:
    server = Recorder(clock)

    async def healthcheck(request: web.Request) -> web.Response:
        server.record(request)
        return web.json_response({"status": "ok"})

    app = app_with(("GET", "/students/1001/healthcheck", healthcheck))
    async with (
        serve(app) as url,
        HealthClient(config(url), sleep=clock.sleep) as client,
    ):
        body = await client.get_json("/students/1001/healthcheck")

    assert body == {"status": "ok"}
    assert [r[:2] for r in server.requests] == [("GET", "/students/1001/healthcheck")]
    assert clock.sleeps == []


async def test_c17b_post_past_timeout_is_not_repeated(clock: FakeClock) -> None:
    server = Recorder(clock)
    rows: list[dict[str, Any]] = []

    async def lookup(request: web.Request) -> web.Response:
        server.record(request)
        rows.append(await request.json())
        await asyncio.sleep(0.5)
        return web.json_response({"request_id": "lr-1"}, status=201)

    app = app_with(("POST", "/lookup-requests", lookup))
    async with (
        serve(app) as url,
        HealthClient(config(url, read_timeout=0.1), sleep=clock.sleep) as client,
    ):
        with pytest.raises(TemporaryError) as caught:
            await client.post_json("/lookup-requests", {"id_number": "1001"})

    assert caught.value.attempts == 1
    assert len(server.requests) == 1
    assert rows == [{"id_number": "1001"}]
    assert clock.sleeps == []


async def test_c17b_post_with_key_is_deduplicated(clock: FakeClock) -> None:
    server = Recorder(clock)
    rows: dict[str, dict[str, Any]] = {}

    async def lookup(request: web.Request) -> web.Response:
        server.record(request)
        key = request.headers["Idempotency-Key"]
        if key in rows:
            return web.json_response(rows[key], status=200)
        rows[key] = {"request_id": "lr-1", **await request.json()}
        await asyncio.sleep(0.5)
        return web.json_response(rows[key], status=201)

    app = app_with(("POST", "/lookup-requests", lookup))
    async with (
        serve(app) as url,
        HealthClient(config(url, read_timeout=0.1), sleep=clock.sleep) as client,
    ):
        body = await client.post_json(
            "/lookup-requests", {"id_number": "1001"}, idempotency_key="k-1001"
        )

    assert body == {"request_id": "lr-1", "id_number": "1001"}
    assert [(r[0], r[3]) for r in server.requests] == [
        ("POST", "k-1001"),
        ("POST", "k-1001"),
    ]
    assert rows == {"k-1001": {"request_id": "lr-1", "id_number": "1001"}}


@pytest.mark.parametrize(
    ("status", "error"), [(404, NotFound), (400, BadRequest), (403, PermanentError)]
)
async def test_c17c_client_errors_are_not_retried(
    clock: FakeClock, status: int, error: type[PermanentError]
) -> None:
    server = Recorder(clock)

    async def refuse(request: web.Request) -> web.Response:
        server.record(request)
        return web.json_response({"error": "no"}, status=status)

    app = app_with(("GET", "/students/1001/healthcheck", refuse))
    async with (
        serve(app) as url,
        HealthClient(config(url), sleep=clock.sleep) as client,
    ):
        with pytest.raises(error) as caught:
            await client.get_json("/students/1001/healthcheck")

    assert type(caught.value) is error
    assert (caught.value.status, caught.value.attempts) == (status, 1)
    assert caught.value.path == "/students/1001/healthcheck"
    assert len(server.requests) == 1


async def test_c17d_rate_limit_waits_retry_after(clock: FakeClock) -> None:
    server = Recorder(clock)

    async def limited(request: web.Request) -> web.Response:
        server.record(request)
        if len(server.requests) == 1:
            return web.json_response(
                {"error": "slow down"}, status=429, headers={"Retry-After": "3"}
            )
        return web.json_response({"status": "ok"})

    app = app_with(("GET", "/students/1001/healthcheck", limited))
    async with (
        serve(app) as url,
        HealthClient(
            config(url, backoff_multiplier=0.1, backoff_jitter=0.1),
            sleep=clock.sleep,
            clock=clock,
        ) as client,
    ):
        body = await client.get_json("/students/1001/healthcheck")

    assert body == {"status": "ok"}
    assert len(server.requests) == 2
    assert server.requests[1][2] - server.requests[0][2] >= 3.0
    assert len(clock.sleeps) == 1
    assert clock.sleeps[0] >= 3.0


async def test_c17e_unavailable_stops_at_attempt_limit(clock: FakeClock) -> None:
    server = Recorder(clock)

    async def down(request: web.Request) -> web.Response:
        server.record(request)
        return web.json_response({"error": "down"}, status=503)

    async def run(client: HealthClient) -> str:
        try:
            await client.get_json("/students/1001/healthcheck")
        except TemporaryError:
            return "FAILED"
        return "SUCCEEDED"

    app = app_with(("GET", "/students/1001/healthcheck", down))
    async with (
        serve(app) as url,
        HealthClient(config(url, max_attempts=3), sleep=clock.sleep) as client,
    ):
        outcome = await run(client)

    assert outcome == "FAILED"
    assert len(server.requests) == 3
    assert len(clock.sleeps) == 2


async def test_backoff_grows_between_attempts(clock: FakeClock) -> None:
    async def down(request: web.Request) -> web.Response:
        return web.json_response({}, status=502)

    app = app_with(("GET", "/x", down))
    settings = {"backoff_multiplier": 1.0, "backoff_jitter": 0.5, "max_attempts": 4}
    async with (
        serve(app) as url,
        HealthClient(config(url, **settings), sleep=clock.sleep) as client,
    ):
        with pytest.raises(TemporaryError) as caught:
            await client.get_json("/x")

    assert caught.value.attempts == 4
    # Jitter adds less than half a second to 1, 2 and 4 seconds.
    assert [int(seconds) for seconds in clock.sleeps] == [1, 2, 4]


async def test_retry_after_above_limit_is_not_awaited(clock: FakeClock) -> None:
    async def limited(request: web.Request) -> web.Response:
        return web.json_response({}, status=429, headers={"Retry-After": "3600"})

    app = app_with(("GET", "/x", limited))
    async with (
        serve(app) as url,
        HealthClient(config(url), sleep=clock.sleep) as client,
    ):
        with pytest.raises(RateLimited) as caught:
            await client.get_json("/x")

    assert (caught.value.retry_after, caught.value.attempts) == (3600.0, 1)
    assert clock.sleeps == []


async def test_truncated_body_is_malformed(clock: FakeClock) -> None:
    async def cut(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_length = 100
        await response.prepare(request)
        await response.write(b'{"items": [')
        assert request.transport is not None
        request.transport.close()
        return response

    app = app_with(("GET", "/x", cut))
    async with (
        serve(app) as url,
        HealthClient(config(url), sleep=clock.sleep) as client,
    ):
        with pytest.raises(MalformedResponse) as caught:
            await client.get_json("/x")

    assert caught.value.attempts == 1
    assert isinstance(caught.value.__cause__, aiohttp.ClientPayloadError)


async def test_invalid_json_is_malformed(clock: FakeClock) -> None:
    async def broken(request: web.Request) -> web.Response:
        return web.Response(text='{"items": [1, 2', content_type="application/json")

    app = app_with(("GET", "/x", broken))
    async with (
        serve(app) as url,
        HealthClient(config(url), sleep=clock.sleep) as client,
    ):
        with pytest.raises(MalformedResponse) as caught:
            await client.get_json("/x")

    assert (caught.value.status, caught.value.attempts) == (200, 1)


async def test_refused_connection_is_temporary(clock: FakeClock) -> None:
    async with serve(web.Application()) as url:
        pass
    async with HealthClient(config(url, max_attempts=2), sleep=clock.sleep) as client:
        with pytest.raises(TemporaryError) as caught:
            await client.get_json("/x")

    assert caught.value.attempts == 2
    assert isinstance(caught.value.__cause__, aiohttp.ClientConnectionError)


async def test_one_log_record_per_request(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    calls = 0

    async def flaky(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        return web.json_response({}, status=503 if calls == 1 else 200)

    app = app_with(("GET", "/students/{id}/healthcheck", flaky))
    caplog.set_level(logging.INFO, logger="adapters.http")
    async with (
        serve(app) as url,
        HealthClient(config(url), sleep=clock.sleep, clock=clock) as client,
    ):
        await client.get_json("/students/440305201908311003/healthcheck")

    assert [r.getMessage() for r in caplog.records] == [
        "health GET /students/***/healthcheck -> 503 attempt=1 elapsed=0.000s",
        "health GET /students/***/healthcheck -> 200 attempt=2 elapsed=0.000s",
    ]


async def test_concurrency_stays_within_bound(clock: FakeClock) -> None:
    running = 0
    peak = 0

    async def slow(request: web.Request) -> web.Response:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.05)
        running -= 1
        return web.json_response({})

    app = app_with(("GET", "/x", slow))
    async with (
        serve(app) as url,
        HealthClient(config(url, max_concurrency=2)) as client,
    ):
        await asyncio.gather(*(client.get_json("/x") for _ in range(6)))

    assert peak == 2


async def test_client_needs_context_manager() -> None:
    client = HealthClient(config("http://127.0.0.1:9"))
    with pytest.raises(RuntimeError):
        await client.get_json("/x")


async def test_pages_follow_cursor_from_watermark(clock: FakeClock) -> None:
    queries: list[dict[str, str]] = []
    pages = {
        None: {"items": [1, 2], "next": "c2", "watermark": "7"},
        "c2": {"items": [3], "next": None, "watermark": "9"},
    }

    async def feed(request: web.Request) -> web.Response:
        queries.append(dict(request.query))
        return web.json_response(pages[request.query.get("cursor")])

    app = app_with(("GET", "/changes", feed))
    async with serve(app) as url, HealthClient(config(url)) as client:
        got = [p async for p in client.pages("/changes", since="5", page_size=2)]

    assert got == [RawPage([1, 2], "7", "c2"), RawPage([3], "9", None)]
    assert queries == [{"limit": "2", "since": "5"}, {"limit": "2", "cursor": "c2"}]


async def test_empty_page_keeps_old_watermark() -> None:
    async def feed(request: web.Request) -> web.Response:
        return web.json_response({"items": [], "next": None, "watermark": None})

    app = app_with(("GET", "/changes", feed))
    async with serve(app) as url, HealthClient(config(url)) as client:
        got = [p async for p in client.pages("/changes", since="5", page_size=2)]

    assert got == [RawPage([], "5", None)]


async def test_repeated_cursor_is_malformed() -> None:
    async def feed(request: web.Request) -> web.Response:
        return web.json_response({"items": [1], "next": "c1", "watermark": "1"})

    app = app_with(("GET", "/changes", feed))
    async with serve(app) as url, HealthClient(config(url)) as client:
        with pytest.raises(MalformedResponse):
            async for _ in client.pages("/changes", since=None, page_size=1):
                pass


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"Retry-After": ""}, None),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:30 GMT"}, None),
        (
            {
                "Retry-After": "Wed, 21 Oct 2015 07:28:30 GMT",
                "Date": "Wed, 21 Oct 2015 07:28:00 GMT",
            },
            30.0,
        ),
        ({"Retry-After": "soon", "Date": "Wed, 21 Oct 2015 07:28:00 GMT"}, None),
    ],
)
def test_retry_after_header_is_read(
    headers: dict[str, str], seconds: float | None
) -> None:
    assert parse_retry_after(headers) == seconds
