"""Shared helpers for the adapter tests: a fake clock and a local server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import pytest
from aiohttp import web

from adapters.simulators import serve


class FakeClock:
    """A monotonic clock that only moves when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


Serve = Callable[[web.Application], AbstractAsyncContextManager[str]]


@pytest.fixture
def local_server() -> Serve:
    """``async with local_server(app) as base_url``: the app on 127.0.0.1."""
    return serve


async def collect(pages: AsyncIterator[object]) -> list[object]:
    return [page async for page in pages]
