"""The meaning of a dashboard link: URL parameters ⇄ the selection ⇄ Filters."""

from __future__ import annotations

from datetime import UTC, date, datetime

from monitor.queries import Filters
from monitor.selection import Selection, from_params

TODAY = date(2025, 11, 6)


def test_a_plain_link_is_the_last_30_days_with_no_other_filter():
    chosen, problems = from_params({})
    assert problems == []
    assert chosen.params() == {}
    assert chosen.filters(today=TODAY) == Filters(since=datetime(2025, 10, 8, tzinfo=UTC))


def test_every_filter_survives_the_round_trip_through_the_url():
    params = {
        "period": ["custom"],
        "from": ["2025-11-01"],
        "to": ["2025-11-05"],
        "country": ["pk,AF"],  # codes: ?country=PK,AF or repeated
        "pub": ["GB"],
        "topic": ["Conflict"],
        "source": ["Dawn, Karachi", "BBC"],
        "lang": ["EN"],
        "sent": ["-0.5,0.25"],
        "q": ['border OR "ceasefire talks"'],
    }
    chosen, problems = from_params(params)
    assert problems == []
    filters = chosen.filters(today=TODAY)
    assert filters == Filters(
        since=datetime(2025, 11, 1, tzinfo=UTC),
        until=datetime(2025, 11, 5, 23, 59, 59, tzinfo=UTC),
        countries=("PK", "AF"),
        published_in=("GB",),
        topics=("conflict",),
        sources=("Dawn, Karachi", "BBC"),  # names may hold commas: one value per parameter
        languages=("en",),
        sentiment=(-0.5, 0.25),
        query='border OR "ceasefire talks"',
    )
    again, _ = from_params(
        {key: value if isinstance(value, list) else [value] for key, value in chosen.params().items()}
    )
    assert again.filters(today=TODAY) == filters


def test_presets_count_whole_utc_days_back_from_today():
    assert Selection(period="7d").filters(today=TODAY).since == datetime(2025, 10, 31, tzinfo=UTC)
    assert Selection(period="90d").filters(today=TODAY).since == datetime(2025, 8, 9, tzinfo=UTC)
    assert Selection(period="all").filters(today=TODAY) == Filters()
    now = datetime(2025, 11, 6, 14, 35, tzinfo=UTC)
    assert Selection(period="24h").filters(today=TODAY, now=now).since == datetime(2025, 11, 5, 15, 0, tzinfo=UTC)


def test_bad_values_are_dropped_with_a_note_not_an_error():
    chosen, problems = from_params({"period": ["fortnight"], "from": ["yesterday"], "sent": ["lots"]})
    assert chosen.period == "30d"
    assert chosen.sentiment == (-1.0, 1.0)
    assert len(problems) == 3
    assert "fortnight" in problems[0]


def test_a_date_range_makes_the_period_custom_and_is_put_in_order():
    chosen, _ = from_params({"from": ["2025-11-05"], "to": ["2025-11-01"]})
    assert chosen.period == "custom"
    assert (chosen.start, chosen.end) == (date(2025, 11, 1), date(2025, 11, 5))
