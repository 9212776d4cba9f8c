"""The filter and grouping dimensions, declared once, and `Filters`, the meaning of "the current selection".

Each `Dimension` says where its values live (a column of `articles` or a tag table), how the URL, the CLI and
the sidebar name it, and whether the daily rollups count it. The store (rollups), queries (WHERE clauses),
trends (grouping), selection (links), dashboard (sidebar), export (`--by`) and CLI (filter options) build
their tables from `DIMENSIONS`, so a new dimension is one entry here. No imports from the rest of monitor:
every layer may import this module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, make_dataclass
from datetime import datetime


def _upper(value: str) -> str:
    return value.strip().upper()


def _lower(value: str) -> str:
    return value.strip().lower()


def _same(value: str) -> str:
    return value.strip()


@dataclass(frozen=True)
class Dimension:
    """One way to filter and group articles."""

    name: str  # the rollups' and exports' name for it (`--by country`, daily_counts.dimension)
    field: str  # the Filters field that holds the chosen values
    param: str  # the URL parameter (`?country=PK`); the CLI option is the name (`--country`, `--published-in`)
    label: str  # the sidebar's label
    prefix: str  # how the selection reads in words: "about Pakistan (PK)"
    meaning: str  # what a value is, for export manifests
    table: str | None  # the tag table holding (article_id, column), or None: `column` is a column of articles
    column: str
    spell: Callable[[str], str] = _same  # how a value is written in the database
    rollup: bool = True  # counted in daily_counts at write time (grouping from the rollups)
    cross: bool = True  # a filter value of the cross rollups (daily_cross), and counted within them
    filter: bool = True  # offered as a filter (sidebar, URL, CLI)
    commas: bool = True  # `?country=PK,AF` is two values (names with commas: False)
    single: bool = False  # an article has at most one value: sums over several values never double count
    aliases: tuple[str, ...] = ()  # older URL parameters still read from links
    members: str | None = None  # SQL of (name, value of `column`) pairs: a named group of another column's values

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    def where(
        self, values: tuple[str, ...], alias: str = "a", ids: tuple[str, list] | None = None, *, probe: bool = False
    ) -> tuple[str, list[str]]:
        """A condition on the articles `alias` for "has one of these values", with its parameters. `ids`: a
        condition on article ids (SQL after `article_id`, its parameters) that bounds the tag rows read.
        `probe`: look each article's tags up, rather than list every article with the values first; for a walk
        through the newest articles that a common value soon stops."""
        spelled = [self.spell(value) for value in values]
        marks = ",".join("?" * len(spelled))
        if self.members is not None:
            return f"{alias}.{self.column} IN (SELECT value FROM ({self.members}) WHERE name IN ({marks}))", spelled
        if self.table is None:
            return f"{alias}.{self.column} IN ({marks})", spelled
        if probe:
            tags = f"SELECT 1 FROM {self.table} WHERE article_id = {alias}.id AND {self.column} IN ({marks})"
            return f"EXISTS ({tags})", spelled
        bound, bound_params = (f" AND article_id {ids[0]}", list(ids[1])) if ids else ("", [])
        return (
            f"{alias}.id IN (SELECT article_id FROM {self.table} WHERE {self.column} IN ({marks}){bound})",
            spelled + bound_params,
        )

    def article_values(self) -> tuple[str, str, str]:
        """(value, join, condition) over the articles `a`: the SQL path of counting by this dimension.
        CROSS JOIN makes SQLite read the selected articles first and then their tags: left to itself it may
        walk a whole tag index (millions of rows) to save a sort."""
        if self.members is not None:
            return "g.name", f"CROSS JOIN ({self.members}) g ON g.value = a.{self.column}", "1"
        if self.table is None:
            return f"a.{self.column}", "", f"coalesce(a.{self.column}, '') != ''"
        return f"t.{self.column}", f"CROSS JOIN {self.table} t ON t.article_id = a.id", "1"

    def facet(self) -> str:
        """(article_id, value) of every article that has a value: the rollups recomputed in SQL."""
        if self.table is None:
            return (
                f"SELECT id AS article_id, {self.column} AS value FROM articles WHERE coalesce({self.column}, '') != ''"
            )
        return f"SELECT article_id, {self.column} AS value FROM {self.table}"


SOURCE_GROUP_MEMBERS = "SELECT group_name AS name, source AS value FROM source_group_members"

DIMENSIONS: dict[str, Dimension] = {
    dimension.name: dimension
    for dimension in (
        Dimension("country", "countries", "country", "About countries", "about",
                  "country the articles are about, ISO 3166-1 alpha-2", "article_countries", "country",
                  spell=_upper),
        Dimension("mentioned", "countries_mentioned", "mentioned", "Countries mentioned", "mentioning",
                  "country the articles name, even in passing (those they are about too), ISO 3166-1 alpha-2",
                  "article_countries_mentioned", "country", spell=_upper, cross=False),
        Dimension("published_in", "published_in", "published_in", "Publisher country", "published in",
                  "country of the publisher (the source's configured country), ISO alpha-2", None, "published_in",
                  spell=_upper, single=True, aliases=("pub",)),
        Dimension("topic", "topics", "topic", "Topics", "topic",
                  "topic slug (data/taxonomy.toml) the articles were tagged with", "article_topics", "topic",
                  spell=_lower),
        Dimension("source", "sources", "source", "Sources", "source", "source (outlet) name", None, "source",
                  commas=False, single=True),
        Dimension("source_group", "source_groups", "source_group", "Source groups", "source group",
                  "source group (a named list of sources: `newsmon groups`)", None, "source",
                  commas=False, rollup=False, cross=False, members=SOURCE_GROUP_MEMBERS),
        Dimension("language", "languages", "lang", "Languages", "language",
                  "language of the articles, ISO 639-1", None, "language", spell=_lower, single=True),
        Dimension("keyword", "keywords", "keyword", "Keywords", "keyword",
                  "key phrase (as extracted from titles and text)", "article_keywords", "keyword",
                  cross=False, filter=False),
    )
}  # fmt: skip

FILTER_DIMENSIONS = tuple(dimension for dimension in DIMENSIONS.values() if dimension.filter)
ROLLUP_DIMENSIONS = tuple(dimension for dimension in DIMENSIONS.values() if dimension.rollup)
CROSS_DIMENSIONS = tuple(dimension for dimension in DIMENSIONS.values() if dimension.cross)
BY_FIELD = {dimension.field: dimension for dimension in FILTER_DIMENSIONS}


def _filters_namespace() -> dict:
    def from_args(
        cls,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        query: str | None = None,
        sentiment_min: float | None = None,
        sentiment_max: float | None = None,
        **values: object,
    ) -> Filters:
        """Filters from loose arguments, as the CLI gets them: each dimension by its name (`country=["pk"]`,
        `published_in=...`) or its Filters field, a value or a list of them (None: no restriction), spelled as
        the database spells them; a sentiment range from either end. Unknown names: TypeError."""
        chosen: dict[str, tuple[str, ...]] = {}
        by_name = {dimension.name: dimension for dimension in FILTER_DIMENSIONS}
        for name, given in values.items():
            dimension = by_name.get(name) or BY_FIELD.get(name)
            if dimension is None:
                raise TypeError(f"Filters has no dimension {name!r}")
            items = [given] if isinstance(given, str) else list(given or ())
            spelled = [dimension.spell(str(item)) for item in items if str(item).strip()]
            chosen[dimension.field] = tuple(dict.fromkeys(spelled))
        sentiment = None
        if sentiment_min is not None or sentiment_max is not None:
            sentiment = (
                -1.0 if sentiment_min is None else sentiment_min,
                1.0 if sentiment_max is None else sentiment_max,
            )
        return cls(since=since, until=until, query=query or None, sentiment=sentiment, **chosen)

    def chosen(self) -> list[tuple[Dimension, tuple[str, ...]]]:
        """(dimension, values) of each filter dimension that restricts the selection, in registry order."""
        return [(dimension, getattr(self, dimension.field)) for dimension in FILTER_DIMENSIONS
                if getattr(self, dimension.field)]  # fmt: skip

    return {"from_args": classmethod(from_args), "chosen": chosen}


# One frozen dataclass, one field per filter dimension (empty tuple: no restriction) plus the date range, the
# full-text query (FTS5 syntax: phrases, OR, NOT, prefix*) and a sentiment range (which leaves out unscored
# articles). Built from the registry so that adding a Dimension adds its field.
Filters = make_dataclass(
    "Filters",
    [
        ("since", "datetime | None", field(default=None)),
        ("until", "datetime | None", field(default=None)),
        *[(dimension.field, "tuple[str, ...]", field(default=())) for dimension in FILTER_DIMENSIONS],
        ("query", "str | None", field(default=None)),
        ("sentiment", "tuple[float, float] | None", field(default=None)),
    ],
    frozen=True,
    namespace=_filters_namespace(),
)
Filters.__module__ = __name__  # for pickling and cache keys
Filters.__doc__ = """The current selection: pages, CLI, exports and tests build the same object; monitor.queries
turns it into SQL. Empty tuples and None mean "no restriction"."""


def dimension(name: str) -> Dimension:
    """The dimension called `name` (ValueError naming the choices otherwise)."""
    if name not in DIMENSIONS:
        raise ValueError(f"unknown dimension {name!r}: choose one of {', '.join(DIMENSIONS)}")
    return DIMENSIONS[name]


def filter_fields() -> list[str]:
    return [item.name for item in fields(Filters)]


def url_values(dimension: Dimension, params: Mapping[str, list[str]]) -> list[str]:
    """The values a link gives a dimension, under its parameter or an older alias, spelled for the database."""
    raw = [value for key in (dimension.param, *dimension.aliases) for value in params.get(key) or []]
    if dimension.commas:  # codes and slugs never hold commas, so ?country=PK,AF works too; names can
        raw = [part for value in raw for part in value.split(",")]
    return list(dict.fromkeys(dimension.spell(value) for value in raw if value.strip()))
