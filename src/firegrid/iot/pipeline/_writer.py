"""The asynchronous single writer with group commit that the asyncio transports submit to."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TypeVar

from firegrid.db.base import utcnow
from firegrid.db.session import Database
from firegrid.iot.pipeline._batch import ingest
from firegrid.iot.pipeline._envelope import Envelope, Outcome, Result

# The logger keeps the name it had when the pipeline was one module.
log = logging.getLogger("firegrid.iot.pipeline")
T = TypeVar("T")


class Pipeline:
    """Single writer with group commit, for the asyncio transports.

    ``submit(envelope)`` returns a future resolved with the :class:`Result` once the batch
    holding the envelope has been committed (or has failed). ``run(fn)`` executes a
    database function on the same writer thread (SQLite has one writer; ordering with the
    frames is kept). ``before_commit`` is a test hook run just before each commit.
    """

    def __init__(
        self,
        database: Database,
        *,
        default_district: str | None = None,
        register_unknown: bool = True,
        window_s: float = 0.002,
        max_batch: int = 1000,
        clock: Callable[[], datetime] = utcnow,
        before_commit: Callable[[], None] | None = None,
    ) -> None:
        self.database = database
        self.default_district = default_district
        self.register_unknown = register_unknown
        self.window_s = window_s
        self.max_batch = max_batch
        self.clock = clock
        self.before_commit = before_commit
        self._queue: asyncio.Queue[tuple[Envelope, asyncio.Future[Result]] | None] = asyncio.Queue()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="iot-writer")
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.stored = 0

    async def __aenter__(self) -> Pipeline:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._writer())

    async def close(self) -> None:
        """Finish what was submitted, then stop the writer."""
        if self._task is not None:
            await self._queue.put(None)
            await self._task
            self._task = None
        self._executor.shutdown(wait=True)

    def submit(self, envelope: Envelope) -> asyncio.Future[Result]:
        fut: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((envelope, fut))
        return fut

    async def run(self, fn: Callable[[Database], T]) -> T:
        """Run ``fn(database)`` on the writer thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, self.database)

    async def _writer(self) -> None:
        loop = asyncio.get_running_loop()
        stopping = False
        while not stopping:
            item = await self._queue.get()
            if item is None:
                break
            batch = [item]
            if self.window_s > 0 and self._queue.qsize() < self.max_batch:
                await asyncio.sleep(self.window_s)
            while len(batch) < self.max_batch and not self._queue.empty():
                nxt = self._queue.get_nowait()
                if nxt is None:
                    stopping = True
                    break
                batch.append(nxt)
            envs = [e for e, _ in batch]
            try:
                results = await loop.run_in_executor(self._executor, self._commit, envs)
            except Exception as exc:  # never let the writer die
                log.exception("iot: batch of %d failed", len(envs))
                results = [Result(Outcome.FAILED, reason=str(exc))] * len(envs)
            self.batches += 1
            for (_, fut), res in zip(batch, results, strict=True):
                if res.outcome is Outcome.STORED:
                    self.stored += 1
                if not fut.done():
                    fut.set_result(res)

    def _commit(self, envs: list[Envelope]) -> list[Result]:
        return ingest(
            self.database,
            envs,
            default_district=self.default_district,
            register_unknown=self.register_unknown,
            now=self.clock(),
            before_commit=self.before_commit,
        )
