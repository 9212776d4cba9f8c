"""Worker processes for the analysis of large inputs (monitor/ingest/pipeline.py sends them batches).

Kept apart from the pipeline so that a worker imports the analysis only, not the store and its libraries.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

from monitor import config
from monitor.analysis import topic_model
from monitor.analysis.article import ArticleAnalysis, analyse_many, check_rules

log = logging.getLogger(__name__)

WORKERS_ENV = "NEWSMON_WORKERS"  # analysis processes for large inputs (default: one per core; 1: none)
# The rule files a worker reads: the writer's, which tests and users may point elsewhere than data/.
RULE_FILES = ("COUNTRY_ALIASES", "TAXONOMY", "NEWS_LEXICON", "TONE_RULES")


def count() -> int:
    """How many processes analyse a large input: $NEWSMON_WORKERS, else one per core."""
    value = os.environ.get(WORKERS_ENV, "").strip()
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            log.warning("%s=%r is not a number of processes; using one per core", WORKERS_ENV, value)
    return os.cpu_count() or 1


class _Running:
    pool: ProcessPoolExecutor | None = None
    setup: tuple | None = None  # what the pool was started with: a change starts a new one


def can_start_processes() -> bool:
    """False in the dashboard's process: there __main__ is a page script, which multiprocessing would run again
    in every new process (it re-runs the parent's __main__ file); there the work stays in the caller's process."""
    streamlit = sys.modules.get("streamlit")
    return streamlit is None or not streamlit.runtime.exists()


def pool(model: topic_model.TopicModel | None) -> ProcessPoolExecutor | None:
    """The worker pool for this classifier and these rule files, started on first use and kept for the next
    inputs of this process; None when there is one worker or no process may be started (analyse in the caller's
    process)."""
    workers = count()
    if workers < 2 or not can_start_processes():
        return None
    rule_files = {name: getattr(config, name) for name in RULE_FILES}
    setup = (workers, model.id if model else None, tuple(map(str, rule_files.values())))
    if _Running.setup != setup:
        stop()
        # forkserver, not fork: the caller may run threads (the scheduler, Streamlit) that a fork would copy
        # mid-lock. The server loads the analysis and the compiled rules once; each worker forks from it.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__, "monitor.ingest.warm_workers"])
        _Running.pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start,
            initargs=(os.getpid(), rule_files, model.to_bytes() if model else None),
        )
        _Running.setup = setup
    return _Running.pool


@atexit.register
def stop() -> None:
    """Stop the workers (after the tasks they have started)."""
    running, _Running.pool, _Running.setup = _Running.pool, None, None
    if running is not None:
        running.shutdown(wait=True, cancel_futures=True)


_model: list[topic_model.TopicModel | None] = [None]  # in a worker: the classifier it was given


def _start(writer: int, rule_files: dict, model: bytes | None) -> None:
    """In a worker: read the writer's rule files, load them (compiled, from the rules cache) and the topic
    classifier once, not per article; stop when the writer is gone."""
    threading.Thread(target=_stop_with, args=(writer,), daemon=True).start()
    for name, path in rule_files.items():
        setattr(config, name, path)
    check_rules()
    _model[0] = topic_model.TopicModel.from_bytes(model) if model else None


def _stop_with(writer: int) -> None:
    """A writer that is killed (SIGKILL, out of memory) cannot stop its workers, and they would wait for work, or to
    hand over a result, for ever: each checks every second that its writer is alive."""
    while True:
        time.sleep(1)
        try:
            os.kill(writer, 0)
        except (ProcessLookupError, PermissionError):  # gone (its number taken by another user's process)
            os._exit(1)


def analyse_chunk(texts: list[tuple[str, str, str | None]]) -> list[ArticleAnalysis]:
    """In a worker: the analysis of (title, body, declared language) texts, in order."""
    return analyse_many(texts, _model[0])
