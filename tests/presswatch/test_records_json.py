"""Records survive the trip through JSON that the crawl process and the flow share."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from presswatch.jsonl import dumps, from_dict
from presswatch.records import Article, DocAnalysis, FetchedPage, QuoteMention, as_utc

NOW = datetime(2024, 11, 26, 16, 5, tzinfo=UTC)

RECORDS = [
    FetchedPage("https://a.example/x", "https://a.example/y", 200, NOW, "https://a.example/feed",
                "text/html", "bodies/x.html.gz", "utf-8", None),
    FetchedPage("https://a.example/z", "https://a.example/z", None, NOW, "feed", reason="timeout"),
    Article("id", "u", "c", "a.example", "Title “quoted”", ["A", "B"], None, "en", "text", 1,
            NOW, "feed", b"\x00\x1f\x8b", "The Example"),
    DocAnalysis("d", "en", None, [], [QuoteMention("c", (1, 2), "said", (3, 7), "direct",
                                                    "Felix", (8, 13), "Niko Felix", None, 0.9)]),
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_a_record_round_trips_through_json(record):
    assert from_dict(type(record), json.loads(dumps(record))) == record


def test_unknown_fields_from_a_newer_writer_are_ignored():
    data = json.loads(dumps(RECORDS[0])) | {"added_later": 1}
    assert from_dict(FetchedPage, data) == RECORDS[0]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2024, 11, 26, 12, 0), datetime(2024, 11, 26, 12, 0, tzinfo=UTC)),
        (datetime(2024, 11, 26, 12, 0, tzinfo=timezone(timedelta(hours=-5))),
         datetime(2024, 11, 26, 17, 0, tzinfo=UTC)),
    ],
)
def test_as_utc_takes_naive_times_as_utc_and_converts_the_rest(moment, expected):
    assert as_utc(moment) == expected and as_utc(moment).utcoffset() == timedelta(0)
