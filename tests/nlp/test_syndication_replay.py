"""On the bundled replay: the wire copy joins its original, letter quoters stay apart."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from presswatch.demo.server import plain_text
from presswatch.nlp.syndication import SyndicationIndex, cluster_articles, sketch_article

REPLAY = Path(__file__).resolve().parents[2] / "presswatch" / "demo"


def test_replay_clusters_follow_the_manifest() -> None:
    manifest = json.loads((REPLAY / "manifest.json").read_text(encoding="utf-8"))
    labelled = [a for a in manifest["articles"]
                if (REPLAY / "site" / "articles" / f"{a['id']}.txt").is_file()]
    signatures = [
        sketch_article(
            a["id"],
            plain_text((REPLAY / "site" / "articles" / f"{a['id']}.txt").read_text("utf-8")),
            datetime.fromisoformat(a["published_at"].replace("Z", "+00:00")),
            datetime(2024, 11, 26 + a["day"], 12, tzinfo=UTC),
        )
        for a in labelled
    ]
    result = cluster_articles(signatures, SyndicationIndex())
    got = {a.article_id: a.cluster_id for a in result.assignments}
    expected = {a["id"]: a.get("copy_of") or a["id"] for a in labelled}
    assert any(a.get("copy_of") for a in labelled)  # the replay has a syndicated copy
    letter_quoters = [a["id"] for a in labelled
                      if "Hundreds of artists have given unpaid labour" in
                      (REPLAY / "site" / "articles" / f"{a['id']}.txt").read_text("utf-8")]
    assert len(letter_quoters) >= 3
    assert got == expected
