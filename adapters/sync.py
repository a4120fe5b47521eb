"""The nightly sync: outside systems into the archive, page by page.

Sources and where they land (DESIGN.md, outside systems):

==============  =========  ==========================  =============================
source          system     fetched as                  archive
==============  =========  ==========================  =============================
household       household  change feed                 2 proof documents (户籍证明)
health-checks   health     change feed                 4 health checks
fitness         health     change feed                 4 fitness tests
vaccinations    health     change feed (JSON)          4 vaccination doses
awards          awards     change feed                 5 awards (district and above)
immunizations   health     FHIR bundle per entrant     4 vaccination doses
==============  =========  ==========================  =============================

Each run of a source gets a ``SyncRun`` row. A feed is read from the source's
watermark (from the start with ``full``); each page is saved in its own write
transaction (``adapters.sync_store``), and the watermark moves only when the run
completes. A run killed half-way leaves its saved pages; the next run reads them
again from the old watermark and the upserts, keyed by (source, source record
id), leave each record once. A temporary failure that outlasts the client's
retries, a refusal or a malformed answer ends the run FAILED with the watermark
unchanged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.awards import AwardsAdapter, map_award
from adapters.errors import AdapterError, MappingFault
from adapters.health import HealthAdapter, map_check, map_fitness, map_vaccination
from adapters.household import HouseholdAdapter, map_household
from adapters.http import AdapterClient, ClientConfig, Sleep
from adapters.sync_ledger import Ledger, error_entry
from adapters.sync_rows import OutsideRecord
from adapters.sync_store import Page, PageCounts, Provenance, Quarantine, add_to_run
from adapters.sync_store import save_page as store_page
from db.crypto import FieldCrypto
from db.engine import begin_write
from db.models import AuditEvent
from db.models.sync import RunStatus

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
ENTRANTS = "immunizations"
AuditWriter = Callable[[AsyncSession, Sequence[AuditEvent]], Awaitable[None]]


@dataclass(frozen=True)
class Feed:
    """A change feed of one outside system (contract in ``adapters.http``)."""

    name: str
    system: str
    # The feed paths are the ones the adapters' ``changes`` methods read; the
    # sync reads the raw pages so that a quarantined item keeps its payload.
    path: str
    mapper: Callable[[Any], OutsideRecord]


FEEDS = (
    Feed("household", "household", "/households/changes", map_household),
    Feed("health-checks", "health", "/changes/health-checks", map_check),
    Feed("fitness", "health", "/changes/fitness-tests", map_fitness),
    Feed("vaccinations", "health", "/changes/vaccinations", map_vaccination),
    Feed("awards", "awards", "/awards/changes", map_award),
)
SOURCES: tuple[str, ...] = (*(feed.name for feed in FEEDS), ENTRANTS)
SYSTEM_OF = {**{feed.name: feed.system for feed in FEEDS}, ENTRANTS: "health"}
ADAPTERS: dict[str, type[AdapterClient]] = {
    "household": HouseholdAdapter,
    "health": HealthAdapter,
    "awards": AwardsAdapter,
}


@dataclass(frozen=True)
class Systems:
    """Where each outside system lives; a system left ``None`` is not synced."""

    household: ClientConfig | None = None
    health: ClientConfig | None = None
    awards: ClientConfig | None = None

    def config(self, system: str) -> ClientConfig | None:
        found: ClientConfig | None = getattr(self, system)
        return found


@dataclass(frozen=True)
class Progress:
    """Where a run stands after a saved page; ``total`` is known for entrants."""

    source: str
    pages: int
    counts: PageCounts
    done: int | None = None
    total: int | None = None


@dataclass
class RunReport:
    run_id: int
    source: str
    status: RunStatus = RunStatus.RUNNING
    counts: PageCounts = field(default_factory=PageCounts)
    pages: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


class UnknownSource(ValueError):
    """A source name the sync does not know, or whose system has no URL."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class SyncRunner:
    """Runs sources one after another against one database.

    ``audit`` appends audit events to the chain (``resolvers.access`` has it);
    it is handed in because adapters sit below the resolvers.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        crypto: FieldCrypto,
        systems: Systems,
        *,
        audit: AuditWriter,
        page_size: int = 200,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], datetime] = utc_now,
        progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.crypto = crypto
        self.systems = systems
        self.audit = audit
        self.page_size = page_size
        self.sleep = sleep
        self.clock = clock
        self.progress = progress
        self.ledger = Ledger(sessionmaker)

    @property
    def today(self) -> date:
        return self.clock().astimezone(SHANGHAI).date()

    def configured(self) -> list[str]:
        """The sources whose system has a URL, in sync order."""
        return [s for s in SOURCES if self.systems.config(SYSTEM_OF[s]) is not None]

    async def run(
        self, sources: Sequence[str] | None = None, *, full: bool = False
    ) -> list[RunReport]:
        """Run ``sources`` (all configured ones by default) one after another."""
        names = list(sources) if sources is not None else self.configured()
        for name in names:
            self.client_config(name)
        return [await self.run_source(name, full=full) for name in names]

    def client_config(self, source: str) -> ClientConfig:
        if source not in SYSTEM_OF:
            raise UnknownSource(f"unknown source {source!r}; one of {SOURCES}")
        config = self.systems.config(SYSTEM_OF[source])
        if config is None:
            raise UnknownSource(f"no URL is set for the {SYSTEM_OF[source]} system")
        return config

    def client(self, source: str) -> AdapterClient:
        adapter = ADAPTERS[SYSTEM_OF[source]]
        return adapter(self.client_config(source), sleep=self.sleep)

    async def run_source(self, source: str, *, full: bool = False) -> RunReport:
        config = self.client_config(source)
        started = await self.ledger.start(source, full=full, at=self.clock())
        report = RunReport(started.run_id, source)
        logger.info("sync %s run %d from %s", source, report.run_id, started.since)
        try:
            reached = await self._pull(source, config, started.since, full, report)
        except asyncio.CancelledError:
            await asyncio.shield(self._close(report, RunStatus.INTERRUPTED))
            raise
        except (AdapterError, SQLAlchemyError) as error:
            report.errors.append(error_entry(error, self.clock()))
            await self._close(report, RunStatus.FAILED)
            logger.warning("sync %s run %d failed: %s", source, report.run_id, error)
            return report
        await self._close(report, RunStatus.SUCCEEDED, reached)
        return report

    async def _pull(
        self,
        source: str,
        config: ClientConfig,
        since: str | None,
        full: bool,
        report: RunReport,
    ) -> str | None:
        if source == ENTRANTS:
            from adapters.sync_entrants import sweep_entrants

            return await sweep_entrants(self, report, full=full)
        feed = next(feed for feed in FEEDS if feed.name == source)
        reached = since
        async with self.client(source) as client:
            pages = client.pages(feed.path, since=since, page_size=self.page_size)
            async for raw in pages:
                page = read_items(raw.items, feed.mapper)
                await self.save_page(report, page, raw.watermark)
                reached = raw.watermark
        return reached

    async def save_page(
        self,
        report: RunReport,
        page: Page,
        reached: str | None,
        before_save: Callable[[AsyncSession], Awaitable[None]] | None = None,
        *,
        done: int | None = None,
        total: int | None = None,
    ) -> PageCounts:
        """Save one page in its own write transaction; rolled back on failure."""
        where = Provenance(report.source, report.run_id, self.clock())
        async with self.sessionmaker() as session:
            await begin_write(session)
            if before_save is not None:
                await before_save(session)
            counts = await store_page(session, self.crypto, page, where)
            await add_to_run(session, report.run_id, counts, reached)
            await session.commit()
        report.counts.add(counts)
        report.pages += 1
        self.tell(report, done, total)
        return counts

    def tell(self, report: RunReport, done: int | None, total: int | None) -> None:
        logger.info(
            "sync %s page %d: fetched=%d upserted=%d deleted=%d quarantined=%d",
            report.source,
            report.pages,
            report.counts.fetched,
            report.counts.upserted,
            report.counts.deleted,
            report.counts.quarantined,
        )
        if self.progress is not None:
            counts = PageCounts()
            counts.add(report.counts)
            self.progress(Progress(report.source, report.pages, counts, done, total))

    async def _close(
        self, report: RunReport, status: RunStatus, reached: str | None = None
    ) -> None:
        report.status = status
        await self.ledger.finish(
            report.run_id,
            report.source,
            status,
            at=self.clock(),
            errors=report.errors,
            reached=reached,
        )
        logger.info(
            "sync %s run %d %s: fetched=%d upserted=%d deleted=%d quarantined=%d",
            report.source,
            report.run_id,
            status.value,
            report.counts.fetched,
            report.counts.upserted,
            report.counts.deleted,
            report.counts.quarantined,
        )


def read_items(items: list[Any], mapper: Callable[[Any], OutsideRecord]) -> Page:
    """Map each raw item, keeping it beside its record or its fault."""
    page = Page(fetched=len(items))
    for item in items:
        try:
            page.records.append((mapper(item), item))
        except MappingFault as fault:
            page.faults.append(Quarantine.of_fault(fault, item))
    return page
