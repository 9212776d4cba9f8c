"""The registry of dimensions: one entry feeds Filters, the URL, the CLI, the rollups and the exports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor import export, filters, selection, store, trends
from monitor.cli import EXPORT_FILTERS
from monitor.filters import DIMENSIONS, FILTER_DIMENSIONS, Filters


def test_every_filter_dimension_is_a_field_a_link_parameter_and_a_cli_option():
    options = {parameter.name for parameter in EXPORT_FILTERS}
    for dimension in FILTER_DIMENSIONS:
        assert dimension.field in filters.filter_fields()
        assert selection.LIST_PARAMS[dimension.param] == dimension.field
        assert dimension.name in options
    for dimension in DIMENSIONS.values():
        assert dimension.name in trends.ARTICLE_VALUES
        assert (dimension.name in store.ROLLUP_DIMENSIONS) == dimension.rollup
        assert dimension.name in export.BY_MEANING


def test_from_args_spells_values_as_the_database_does():
    since = datetime(2025, 11, 1, tzinfo=UTC)
    made = Filters.from_args(
        since=since, country=["pk", " af "], published_in="gb", topic=["Conflict"], language=None, source=["Dawn"],
        sentiment_max=0.2, query="",
    )  # fmt: skip
    assert made == Filters(
        since=since, countries=("PK", "AF"), published_in=("GB",), topics=("conflict",), sources=("Dawn",),
        sentiment=(-1.0, 0.2),
    )  # fmt: skip
    assert Filters.from_args(countries=["in"]) == Filters(countries=("IN",))
    with pytest.raises(TypeError, match="no dimension 'colour'"):
        Filters.from_args(colour=["red"])
    assert [(dimension.name, values) for dimension, values in made.chosen()] == [
        ("country", ("PK", "AF")),
        ("published_in", ("GB",)),
        ("topic", ("conflict",)),
        ("source", ("Dawn",)),
    ]


def test_old_links_with_pub_still_work_and_new_ones_say_published_in():
    chosen, problems = selection.from_params({"pub": ["gb,pk"]})
    assert problems == []
    assert chosen.filters(today=datetime(2025, 11, 6).date()).published_in == ("GB", "PK")
    assert chosen.params() == {"published_in": ["GB", "PK"]}


def test_a_source_group_filters_like_its_sources_in_sql_the_cli_and_exports(db, tmp_path):
    from typer.testing import CliRunner

    from monitor import queries
    from monitor.cli import app
    from tests.test_trends import varied_records

    store.save_articles(db, varied_records())
    names = store.source_names(db)
    chosen = names[:2]
    assert store.set_source_group(db, " South  Asia ", chosen) == chosen
    assert store.source_groups(db) == {"South Asia": chosen}
    by_group = Filters(source_groups=("South Asia",))
    by_sources = Filters(sources=tuple(chosen))
    assert queries.count_articles(db, by_group) == queries.count_articles(db, by_sources) > 0
    assert trends.counts_over_time(db, by_group, by="topic") == trends.counts_over_time(db, by_sources, by="topic")
    grouped = trends.totals(db, Filters(), "source_group")
    assert [(row["value"], row["articles"]) for row in grouped] == [
        ("South Asia", queries.count_articles(db, by_sources))
    ]
    with pytest.raises(ValueError, match="no source named 'Nowhere'"):
        store.set_source_group(db, "Other", ["Nowhere"])
    run = CliRunner().invoke
    out = tmp_path / "group.csv"
    result = run(app, ["export", "articles", "--source-group", "South Asia", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 1 + queries.count_articles(db, by_sources)
    assert run(app, ["groups", "list"]).output.strip() == f"South Asia: {', '.join(chosen)}"
    assert run(app, ["groups", "set", "Empty", "Nowhere"]).exit_code == 2
    assert run(app, ["groups", "delete", "South Asia"]).exit_code == 0
    assert store.source_groups(db) == {}
