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
