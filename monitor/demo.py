"""Demo data: a generated news period in a separate database marked as demo, for trying the dashboard offline
and for benchmarking it at a million articles.

The outlets, people and events are fictional (data/demo_events.toml); the analysis is real: every article goes
through `analyse` and `store.save_articles`, so tags, sentiment, keywords, stories and daily rollups are what the
tool would make of such news. Demo data never enters a real database: `generate` refuses a database that is not
marked demo unless it is empty, and its sources are disabled with URLs on the reserved `.invalid` domain.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import queue
import random
import re
import sqlite3
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import islice
from pathlib import Path

import sqlite_utils

from monitor import config, store
from monitor.analysis import clusters
from monitor.analysis.article import ArticleAnalysis, analyse, analyse_many
from monitor.ingest import workers
from monitor.normalise import canonical_url, content_hash, iso

log = logging.getLogger(__name__)

EVENTS_FILE = config.DATA_DIR / "demo_events.toml"
DEMO_DOMAIN = "demo.invalid"  # RFC 2606: never resolves, so no demo URL can reach a real site
BATCH_SIZE = 500  # articles per transaction, as in the ingest pipeline

WEEKDAY_VOLUME = (1.0, 1.05, 1.05, 1.0, 0.95, 0.65, 0.55)  # Monday..Sunday: newsrooms publish less at weekends
HOUR_VOLUME = (1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6, 6, 5, 5, 5, 4, 4, 3, 3, 2, 2, 1)  # UTC, outlets in many zones
COPIES = (1, 2, 3, 4, 5, 6)  # how many outlets carry one story...
COPIES_WEIGHTS = (50, 20, 12, 8, 6, 4)  # ...and how often
BURST_COPIES = (2, 3, 4, 5, 6)  # big news is carried widely
BURST_COPIES_WEIGHTS = (15, 25, 25, 20, 15)
EXTRA_PARAGRAPHS = 2  # drawn from the topic's quotes and background paragraphs
RECENT_DAYS = 4  # an event told this recently...
RECENT_DAMPING = 0.1  # ...is this much less likely to be drawn again
LOCAL_PREFERENCE = 4.0  # an outlet is this much likelier to carry a story about its own country
GROWTH = 0.2  # the volume grows by this share over the period (more sources added over time)

# Fast mode: texts that differ only in their numbers share one analysis. Each event has CASTS_PER_DAY casts (who,
# where, which quote) per day of a CAST_CYCLE-day cycle, so the same cast comes back at least CAST_CYCLE days
# later: further apart than the store's story window, so reused casts do not fuse into one endless story.
CAST_CYCLE = 7
CASTS_PER_DAY = 40
REUSE_LIMIT = 200_000  # analyses kept for reuse; the cache starts afresh beyond this (constant memory)
# From this many articles, a second process writes the articles and analyses them while this one stores them (two
# cores: the benchmark databases build in about half the time). Smaller demos are not worth starting a process for.
WORKER_FROM = 20_000
WORKER_BATCH = 100  # articles per message from the worker
ANALYSE_BATCH = 50  # articles analysed together (analyse_many), as the ingest workers get them
WORKER_QUEUE = 20  # messages waiting at most (bounded memory when the writer is slower)
_DIGITS = re.compile(r"\d+")


class DemoError(Exception):
    """Demo data cannot be generated here (a real database, a bad argument); the message is one line."""


# ---- the catalogue: outlets, countries, events -----------------------------------------------------------------


@dataclass(frozen=True)
class Outlet:
    name: str
    slug: str
    country: str
    language: str
    weight: float

    @property
    def feed_url(self) -> str:
        return f"https://{self.slug}.{DEMO_DOMAIN}/rss"

    def article_url(self, published: datetime, title: str, serial: int) -> str:
        words = re.findall(r"[a-z0-9]+", title.lower())[:8] or ["article"]
        return f"https://{self.slug}.{DEMO_DOMAIN}/{published:%Y/%m/%d}/{'-'.join(words)}-{serial}"


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    adjective: str
    capital: str
    cities: tuple[str, ...]
    people: tuple[str, ...]
    currency: str
    weight: float


@dataclass(frozen=True)
class Event:
    """A kind of news item with slots. A story picks one lead; its copies carry it under different titles, as
    outlets do with wire copy (so the story clustering sees the same text)."""

    key: str
    topic: str
    language: str
    countries: int
    country_pool: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]  # when set, the two countries are one of these pairs
    titles: tuple[str, ...]
    leads: tuple[str, ...]
    body: tuple[str, ...]
    slots: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Topic:
    weight: float
    weekend: float  # the share of its weekday output it keeps at weekends
    context: tuple[str, ...]
    quotes: tuple[str, ...]


@dataclass(frozen=True)
class Burst:
    """News that dominates a few days: its own events and cast, a share of all articles, a peak day."""

    name: str
    days_ago: int
    length: int
    share: float
    peak: float
    countries: tuple[str, ...]
    slots: dict[str, tuple[str, ...]]
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Catalogue:
    outlets: tuple[Outlet, ...]
    countries: dict[str, Country]
    slots: dict[str, tuple[str, ...]]
    topics: dict[str, Topic]
    events: tuple[Event, ...]
    bursts: tuple[Burst, ...]


def load_catalogue(path: Path = EVENTS_FILE) -> Catalogue:
    """The demo outlets, countries, topic pools, events and bursts (cached on the file's mtime)."""
    try:
        return _load(path, path.stat().st_mtime)
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as error:
        raise DemoError(f"cannot read {path}: {error}") from error


@cache
def _load(path: Path, mtime: float) -> Catalogue:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    outlets = tuple(
        Outlet(o["name"], o["slug"], o["country"], o["language"], float(o["weight"])) for o in raw["outlets"]
    )
    countries = {
        code: Country(
            code, c["name"], c["adjective"], c["capital"], tuple(c["cities"]), tuple(c["people"]), c["currency"],
            float(c["weight"]),
        )
        for code, c in raw["countries"].items()
    }  # fmt: skip
    topics = {
        slug: Topic(float(t["weight"]), float(t.get("weekend", 1.0)), tuple(t["context"]), tuple(t["quotes"]))
        for slug, t in raw["topics"].items()
    }
    events = tuple(_event(f"event-{i}", item) for i, item in enumerate(raw["events"]))
    bursts = tuple(
        Burst(
            name=b["name"],
            days_ago=int(b["days_ago"]),
            length=int(b["length"]),
            share=float(b["share"]),
            peak=float(b["peak"]),
            countries=tuple(b["countries"]),
            slots={name: tuple(values) for name, values in b.get("slots", {}).items()},
            events=tuple(_event(f"burst-{i}-{j}", item) for j, item in enumerate(b["events"])),
        )
        for i, b in enumerate(raw.get("bursts", []))
    )
    unknown = {event.topic for event in events if event.topic not in topics}
    if unknown:
        raise ValueError(f"events name topics without a [topics.<slug>] pool: {', '.join(sorted(unknown))}")
    slots = {name: tuple(values) for name, values in raw["slots"].items()}
    return Catalogue(outlets, countries, slots, topics, events, bursts)


def _event(key: str, item: dict) -> Event:
    return Event(
        key=key,
        topic=item["topic"],
        language=item.get("language", "en"),
        countries=int(item.get("countries", 0)),
        country_pool=tuple(item.get("country_pool", ())),
        pairs=tuple((first, second) for first, second in item.get("pairs", ())),
        titles=tuple(item["titles"]),
        leads=tuple(item["leads"]),
        body=tuple(item["body"]),
        slots={name: tuple(values) for name, values in item.get("slots", {}).items()},
    )


# ---- the database: demo only -------------------------------------------------------------------------------------


def claim(db: sqlite_utils.Database) -> None:
    """Make sure `db` may receive demo data: a demo database, or an empty one (then marked demo).
    A database with real articles or sources is refused, so demo data is never mixed with real news."""
    if store.is_demo(db):
        return
    articles, sources = db["articles"].count, db["sources"].count
    if articles or sources:
        raise DemoError(
            f"{_db_file(db)} is not a demo database ({articles} articles, {sources} sources); "
            f"generate demo data into a separate file such as {config.DEMO_DB}"
        )
    store.set_meta(db, "demo", "1")


def is_demo_file(path: str | Path) -> bool:
    """True when `path` is a newsmon database marked demo (read-only look; nothing is created or migrated)."""
    try:
        conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'demo'").fetchone()
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    return bool(row) and row[0] == "1"


def delete_demo_db(path: str | Path) -> bool:
    """Delete a demo database file (with its -wal and -shm files). False when there was none;
    DemoError for a file that is not a demo database."""
    path = Path(path)
    if not path.exists():
        return False
    if not is_demo_file(path):
        raise DemoError(f"{path} is not a demo database; refusing to delete it")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return True


def _db_file(db: sqlite_utils.Database) -> str:
    for _, name, file in db.execute("PRAGMA database_list"):
        if name == "main":
            return file or ":memory:"
    return "the database"


def add_outlets(db: sqlite_utils.Database, outlets: tuple[Outlet, ...]) -> dict[str, int]:
    """The demo outlets as sources, disabled so that the scheduler never fetches them. Returns slug -> source id."""
    ids = {}
    for outlet in outlets:
        source_id, _ = store.add_source(
            db, outlet.feed_url, name=outlet.name, country=outlet.country, language=outlet.language
        )
        store.set_source_enabled(db, source_id, False)
        ids[outlet.slug] = source_id
    return ids


# ---- generation --------------------------------------------------------------------------------------------------


def generate(
    db: sqlite_utils.Database,
    *,
    articles: int = 3000,
    days: int = 90,
    seed: int = 7,
    now: datetime | None = None,
    fast: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Add `articles` generated articles published over the `days` days up to `now` (default: now, UTC) to a demo
    database, analysed and stored like ingested ones. The same seed, now and database give the same articles.

    fast: reuse the analysis of texts that differ only in their numbers (for benchmark-sized databases).
    on_progress(done, total) is called after each batch. Returns the number of articles added."""
    if articles < 0:
        raise DemoError("the number of articles cannot be negative")
    if days < 1:
        raise DemoError("the period must be at least one day")
    catalogue = load_catalogue()
    claim(db)
    source_ids = add_outlets(db, catalogue.outlets)
    now = (now or store.now_utc()).astimezone(UTC).replace(microsecond=0)
    existing = db["articles"].count  # a second run adds to the first: new URLs, another random sequence
    plan = DemoPlan(catalogue, seed=seed, now=now, days=days, articles=articles, fast=fast, serial=existing)
    if articles >= WORKER_FROM and workers.can_start_processes():
        analysed = _from_worker(plan, source_ids, fast)
    else:
        analysed = _analysed(plan.records(source_ids), Analyser(fast=fast))
    added, fruitless = 0, 0
    try:
        while added < articles:
            batch = list(islice(analysed, min(BATCH_SIZE, articles - added)))
            saved = store.save_articles(db, batch).added
            added += saved
            fruitless = 0 if saved else fruitless + 1
            if fruitless >= 20:  # cannot happen with the shipped catalogue; a tiny edited one might repeat itself
                raise DemoError(f"{EVENTS_FILE.name} produces only duplicates after {added} articles")
            if on_progress:
                on_progress(added, articles)
    finally:
        analysed.close()  # stops the worker, if any
    return added


def _analysed(records: Iterable[store.ArticleRecord], analyser: Analyser) -> Iterator[store.ArticleRecord]:
    records = iter(records)
    while chunk := list(islice(records, ANALYSE_BATCH)):
        for record, analysis in zip(chunk, analyser.many(chunk), strict=True):
            yield replace(record, analysis=analysis)


def _from_worker(plan: DemoPlan, source_ids: dict[str, int], fast: bool) -> Iterator[store.ArticleRecord]:
    """The plan's analysed articles, in order, made by a worker process (a fresh interpreter: no state shared)."""
    context = multiprocessing.get_context("spawn")
    messages = context.Queue(WORKER_QUEUE)
    worker = context.Process(target=_work, args=(plan, source_ids, fast, messages), daemon=True)
    worker.start()
    try:
        while True:
            try:
                message = messages.get(timeout=5)
            except queue.Empty:
                if not worker.is_alive():
                    raise DemoError(f"the demo worker process stopped (exit code {worker.exitcode})") from None
                continue
            if isinstance(message, str):
                raise DemoError(f"the demo worker failed: {message}")
            yield from message
    finally:
        worker.terminate()
        worker.join()


def _work(plan: DemoPlan, source_ids: dict[str, int], fast: bool, messages: multiprocessing.Queue) -> None:
    """In the worker: analyse the plan's articles without end, WORKER_BATCH to a message (the parent stops it)."""
    try:
        analysed = _analysed(plan.records(source_ids), Analyser(fast=fast))
        while True:
            messages.put(list(islice(analysed, WORKER_BATCH)))
    except Exception as error:  # reported by the parent as one line
        messages.put(f"{type(error).__name__}: {error}")


class Analyser:
    """The analysis of each generated article. In fast mode, texts equal but for their digits share one analysis:
    numbers give no country, topic or keyword (keywords skip words that start with a digit) and carry no sentiment.
    The story signature is still computed from each text, so story matching sees the real text."""

    def __init__(self, *, fast: bool) -> None:
        self.fast = fast
        self.analysed = 0
        self._reuse: dict[bytes, ArticleAnalysis] = {}

    def many(self, records: list[store.ArticleRecord]) -> list[ArticleAnalysis]:
        """The analyses of these articles, in order; a batch at once unless texts are reused (fast mode)."""
        if self.fast:
            return [self(record.title, record.body, record.language) for record in records]
        self.analysed += len(records)
        return analyse_many([(record.title, record.body, record.language) for record in records])

    def __call__(self, title: str, body: str, language: str | None) -> ArticleAnalysis:
        if not self.fast:
            self.analysed += 1
            return analyse(title, body, language)
        masked = f"{language}\n{_DIGITS.sub('0', title)}\n{_DIGITS.sub('0', body)}"
        key = hashlib.blake2b(masked.encode(), digest_size=16).digest()
        known = self._reuse.get(key)
        if known is not None:
            return replace(known, signature=clusters.signature(title, body))
        self.analysed += 1
        fresh = analyse(title, body, language)
        if len(self._reuse) >= REUSE_LIMIT:
            self._reuse.clear()
        self._reuse[key] = fresh
        return fresh


@dataclass(frozen=True)
class Story:
    """One news event as it happened: what, who and where (the cast), when, and which outlets carried it."""

    event: Event
    cast: dict[str, str]
    first_published: datetime
    outlets: tuple[Outlet, ...]
    lead: str
    title: int  # the title the first copy takes; the other copies take the next ones
    extra: tuple[str, ...]  # quote and background paragraphs from the topic's pools


class DemoPlan:
    """How many articles each day gets (weekday pattern, slow growth, bursts), and the stories that fill them."""

    def __init__(
        self, catalogue: Catalogue, *, seed: int, now: datetime, days: int, articles: int, fast: bool, serial: int = 0
    ) -> None:
        self.catalogue = catalogue
        self.seed = seed
        self.now = now
        self.days = days
        self.fast = fast
        self.serial = serial
        self.rng = random.Random(f"newsmon-demo:{seed}:{serial}")
        self.first_day = now.date() - timedelta(days=days - 1)
        self.base_quota, self.burst_quota = self._quotas(articles)
        self.languages = _story_share_by_language(catalogue.outlets)
        self.last_used: dict[str, int] = {}  # event key -> the last day it was told

    # -- how many articles when --

    def _quotas(self, articles: int) -> tuple[list[int], list[tuple[Burst, list[int]]]]:
        """Articles per day from the base flow and from each burst that falls inside the period; they sum to
        `articles`."""
        rng = self.rng
        bursts = []
        for burst in self.catalogue.bursts:
            start = self.days - burst.days_ago
            if start < 0:
                continue  # before the period
            length = min(burst.length, self.days - start)
            shape = [
                max(0.15, 1 - abs((i + 0.5) / burst.length - burst.peak) / max(burst.peak, 1 - burst.peak))
                for i in range(length)
            ]
            per_day = _apportion(round(articles * burst.share * length / burst.length), shape)
            bursts.append((burst, [0] * start + per_day + [0] * (self.days - start - length)))
        base_total = max(0, articles - sum(sum(quota) for _, quota in bursts))
        volume = [
            WEEKDAY_VOLUME[self._day(i).weekday()] * (1 + GROWTH * i / self.days) * rng.uniform(0.85, 1.15)
            for i in range(self.days)
        ]
        volume[-1] *= max(0.05, self._elapsed_today())  # today is not over yet
        return _apportion(base_total, volume), bursts

    def _day(self, index: int) -> date:
        return self.first_day + timedelta(days=index)

    def _elapsed_today(self) -> float:
        midnight = datetime.combine(self.now.date(), time(), UTC)
        return (self.now - midnight).total_seconds() / 86400

    # -- the articles --

    def records(self, source_ids: dict[str, int]) -> Iterator[store.ArticleRecord]:
        """Every copy of every story, day by day; then, should duplicates have been dropped, more stories on
        random days (without end: the caller takes as many as it needs)."""
        for story in self.stories():
            yield from self._copies(story, source_ids)
        while True:
            day = self.rng.randrange(self.days)
            yield from self._copies(self._story(day, None, max(COPIES)), source_ids)

    def stories(self) -> Iterator[Story]:
        for day in range(self.days):
            base_left = self.base_quota[day]
            while base_left > 0:
                story = self._story(day, None, base_left)
                base_left -= len(story.outlets)
                yield story
            for burst, quota in self.burst_quota:
                left = quota[day]
                while left > 0:
                    story = self._story(day, burst, left)
                    left -= len(story.outlets)
                    yield story

    def _story(self, day: int, burst: Burst | None, most: int) -> Story:
        rng = self.rng
        weekend = self._day(day).weekday() >= 5
        if burst is not None:
            event = rng.choice(burst.events)
            language = "en"
            sizes, size_weights = BURST_COPIES, BURST_COPIES_WEIGHTS
        else:
            language = rng.choices(list(self.languages), list(self.languages.values()))[0]
            event = self._event(language, day, weekend)
            sizes, size_weights = COPIES, COPIES_WEIGHTS
        cast_rng = self._cast_rng(event, day) if self.fast else rng
        cast = self._cast(event, burst, cast_rng)
        topic = self.catalogue.topics[event.topic]
        extra = tuple(cast_rng.sample(topic.quotes + topic.context, EXTRA_PARAGRAPHS)) if event.language == "en" else ()
        lead, title = cast_rng.choice(event.leads), cast_rng.randrange(len(event.titles))
        cast.update(self._numbers())
        outlets = [outlet for outlet in self.catalogue.outlets if outlet.language == event.language]
        copies = min(rng.choices(sizes, size_weights)[0], most, len(outlets), len(event.titles))
        home = {cast.get("_code"), cast.get("_code2")} if event.countries or burst else set()
        weights = [o.weight * (LOCAL_PREFERENCE if o.country in home else 1.0) for o in outlets]
        chosen = _sample(rng, outlets, weights, copies)
        self.last_used[event.key] = day
        return Story(event, cast, self._time(day), tuple(chosen), lead, title, extra)

    def _event(self, language: str, day: int, weekend: bool) -> Event:
        """An event in this language; topics keep their weight however many events they have. An event told in
        the last few days is drawn less: two stories from one template that close read as one story."""
        events = [event for event in self.catalogue.events if event.language == language]
        per_topic: dict[str, int] = {}
        for event in events:
            per_topic[event.topic] = per_topic.get(event.topic, 0) + 1
        weights = []
        for event in events:
            topic = self.catalogue.topics[event.topic]
            recent = day - self.last_used.get(event.key, -RECENT_DAYS - 1) <= RECENT_DAYS
            weight = topic.weight * (topic.weekend if weekend else 1.0) / per_topic[event.topic]
            weights.append(weight * (RECENT_DAMPING if recent else 1.0))
        return self.rng.choices(events, weights)[0]

    def _cast_rng(self, event: Event, day: int) -> random.Random:
        """Fast mode: one of the event's few casts for this day of the cycle, so their texts repeat (and their
        analysis is reused) but never within a story window of each other."""
        cast_number = (day % CAST_CYCLE) * CASTS_PER_DAY + self.rng.randrange(CASTS_PER_DAY)
        return random.Random(f"newsmon-demo:{self.seed}:{event.key}:{cast_number}")

    def _cast(self, event: Event, burst: Burst | None, rng: random.Random) -> dict[str, str]:
        """Who and where: two countries with their capital, a city and a person, and the shared slots."""
        countries = self.catalogue.countries
        if burst:
            fixed = list(burst.countries)
        elif event.pairs:
            fixed = list(rng.choice(event.pairs))
            rng.shuffle(fixed)  # either side may be named first
        else:
            fixed = []
        pool = [countries[code] for code in (event.country_pool or countries) if code in countries]
        first = countries[fixed[0]] if fixed else _weighted(rng, pool)
        others = [country for country in countries.values() if country.code != first.code]
        second = countries[fixed[1]] if len(fixed) > 1 else _weighted(rng, others)
        cast: dict[str, str] = {"_code": first.code, "_code2": second.code}
        for suffix, country in (("", first), ("2", second)):
            cast[f"country{suffix}"] = country.name
            cast[f"country{suffix}_adj"] = country.adjective
            cast[f"capital{suffix}"] = country.capital
            cast[f"city{suffix}"] = rng.choice(country.cities)
            cast[f"person{suffix}"] = rng.choice(country.people)
        cast["currency"] = first.currency
        for slots in (self.catalogue.slots, burst.slots if burst else {}, event.slots):
            for name, values in slots.items():
                cast[name] = rng.choice(values)
        return cast

    def _numbers(self) -> dict[str, str]:
        rng = self.rng
        return {
            "n1": str(rng.randint(2, 40)),
            "n2": str(rng.randint(5, 120)),
            "n3": str(rng.randint(100, 900)),
            "big": f"{rng.randint(1200, 90000):,}",
            "pct": f"{rng.uniform(0.2, 9.9):.1f}",
            "pct2": f"{rng.uniform(0.2, 9.9):.1f}",
        }

    def _time(self, day: int) -> datetime:
        """A moment on that day, weighted towards newsroom hours; never after now."""
        rng = self.rng
        midnight = datetime.combine(self._day(day), time(), UTC)
        moment = midnight + timedelta(hours=rng.choices(range(24), HOUR_VOLUME)[0], seconds=rng.randrange(3600))
        if moment > self.now:
            moment = midnight + timedelta(seconds=rng.uniform(0, (self.now - midnight).total_seconds()))
        return moment.replace(microsecond=0)

    def _copies(self, story: Story, source_ids: dict[str, int]) -> Iterator[store.ArticleRecord]:
        """Each outlet's copy: the same body under another title, published within a day or so."""
        rng = self.rng
        event, cast = story.event, story.cast
        delays = sorted(rng.uniform(0.3, 30) for _ in story.outlets[1:])
        for copy, outlet in enumerate(story.outlets):
            title = _fill(event.titles[(story.title + copy) % len(event.titles)], cast)
            lead = _fill(story.lead, cast)
            body = "\n\n".join([lead] + [_fill(text, cast) for text in (*event.body, *story.extra)])
            published = story.first_published + timedelta(hours=delays[copy - 1] if copy else 0)
            if published > self.now:
                published = max(story.first_published, self.now - timedelta(seconds=rng.randrange(900)))
            published = published.replace(microsecond=0)
            fetched = min(self.now, published + timedelta(seconds=rng.randrange(120, 1800)))
            self.serial += 1
            yield store.ArticleRecord(
                url=canonical_url(outlet.article_url(published, title, self.serial)),
                content_hash=content_hash(title, body),
                source=outlet.name,
                source_id=source_ids.get(outlet.slug),
                title=title,
                body=body,
                summary=lead,
                published_at=iso(published),
                fetched_at=iso(fetched),
                language=outlet.language,
                published_in=outlet.country,
            )


def _story_share_by_language(outlets: tuple[Outlet, ...]) -> dict[str, float]:
    """How often a story is in each language, so that each language's share of articles follows its outlets'
    weights: a language with one outlet has one copy per story, English stories have several."""
    weights: dict[str, float] = {}
    counts: dict[str, int] = {}
    for outlet in outlets:
        weights[outlet.language] = weights.get(outlet.language, 0.0) + outlet.weight
        counts[outlet.language] = counts.get(outlet.language, 0) + 1
    shares = {}
    for language, weight in weights.items():
        copies = sum(min(c, counts[language]) * w for c, w in zip(COPIES, COPIES_WEIGHTS, strict=True))
        shares[language] = weight / (copies / sum(COPIES_WEIGHTS))
    return shares


def _fill(template: str, cast: dict[str, str]) -> str:
    """The template with its slots filled, starting with a capital ("the United States" opening a sentence)."""
    text = template.format_map(cast)
    return text[:1].upper() + text[1:]


def _weighted(rng: random.Random, countries: list[Country]) -> Country:
    return rng.choices(countries, [country.weight for country in countries])[0]


def _sample(rng: random.Random, items: list[Outlet], weights: list[float], count: int) -> list[Outlet]:
    """`count` distinct items, each drawn by weight from those left."""
    items, weights, chosen = list(items), list(weights), []
    for _ in range(count):
        index = rng.choices(range(len(items)), weights)[0]
        chosen.append(items.pop(index))
        weights.pop(index)
    return chosen


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights` into integers that sum to it (largest remainders)."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    shares = [total * weight / whole for weight in weights]
    counts = [int(share) for share in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: shares[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts
