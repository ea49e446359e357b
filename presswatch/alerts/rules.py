"""Which new statements, coverage spikes and failing sources to tell people about: pure
functions, no I/O.

The rules turn the statements the alert stage has not judged yet (for spikes, the articles per
day; for sources, this run's results and the streaks earlier runs left) into AlertMessage
values; presswatch/alerts/delivery.py queues and sends them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from presswatch.alerts.messages import (
    AlertItem,
    AlertMessage,
    SourceInfo,
    SpikeInfo,
    runs,
    who,
)
from presswatch.records import NewStatementInfo, SourceResult, stable_id
from presswatch.story import Alerts
from presswatch.warehouse.run_findings import statement_page

DIGEST_ITEMS_KEPT = 200  # statements a digest carries, most widely carried first


@dataclass(frozen=True)
class AlertContext:
    """What the rules need to know besides the new statements."""

    story_id: str
    story_title: str
    rules: Alerts
    run_id: str
    is_first_run: bool  # no earlier run finished or judged statements: send one digest
    now: datetime
    daily_article_counts: Mapping[date, int] = field(default_factory=dict)
    spike_days: Sequence[date] = ()  # days this run added articles to
    sources: Sequence[SourceResult] = ()  # this run's feeds and sitemaps, as the crawl read them
    source_streaks: Mapping[str, int] = field(default_factory=dict)  # url -> failed runs before
    report_url: str | None = None  # the published report folder ([report] base_url), ending /
    report_path: str | None = None  # where the run writes the report, when not published

    def item(self, statement: NewStatementInfo) -> AlertItem:
        """The statement as an alert shows it, linked to its page when the report is
        published."""
        page = self.report_url + statement_page(statement.statement_id) if self.report_url \
            else None
        return AlertItem.of(statement, page)

    def message(self, **fields) -> AlertMessage:
        """An AlertMessage of this story, now, saying where the report is."""
        return AlertMessage(
            story_id=self.story_id, story_title=self.story_title,
            created_at=self.now.astimezone(UTC).isoformat(),
            report_url=self.report_url + "index.html" if self.report_url else None,
            report_path=self.report_path, **fields)


def _folded(value: str | None) -> str:
    return " ".join((value or "").casefold().split())


def _mentions(text: str, term: str) -> bool:
    """Whole-word, case-insensitive: "leak" matches "the leak," but not "bleak"."""
    haystack, needle = f" {_alnum_spaces(text)} ", f" {_alnum_spaces(term)} "
    return needle.strip() != "" and needle in haystack


def _alnum_spaces(value: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in _folded(value)).split())


def matches_rules(statement: NewStatementInfo, rules: Alerts) -> bool:
    """Does this statement pass the story's alert rule and minimum confidence?"""
    if statement.confidence < rules.min_confidence:
        return False
    if rules.on == "all":
        return True
    if rules.on == "new_speakers":
        return statement.is_new_speaker
    if rules.on == "tracked_speakers":
        tracked = {_folded(name) for name in rules.tracked_speakers}
        return bool(tracked & {_folded(statement.speaker), _folded(statement.organisation)})
    return any(_mentions(statement.text, term) for term in rules.terms)


def _statement_alert(statement: NewStatementInfo, context: AlertContext) -> AlertMessage:
    speaker = who(statement.speaker, statement.role)
    return context.message(
        key=statement.statement_id,
        kind="statement",
        rule=context.rules.on,
        headline=f"New statement from {speaker}",
        items=(context.item(statement),),
    )


_WORD = re.compile(r"\w{3,}")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def nearly_the_same(a: str, b: str, share: float = 0.6) -> bool:
    """Two wordings of one thing: one holds the other, or most words of the shorter one (words
    of three letters or more) are in the longer. "it would not open access to Sora again" and
    "on Wednesday it had no plans to open access to Sora again" are; two different
    sentences about Sora are not."""
    folded_a, folded_b = f" {_alnum_spaces(a)} ", f" {_alnum_spaces(b)} "
    if folded_a.strip() and folded_b.strip() and (folded_a in folded_b or folded_b in folded_a):
        return True
    words_a, words_b = _words(a), _words(b)
    shorter = min(len(words_a), len(words_b))
    return shorter >= 2 and len(words_a & words_b) / shorter >= share


def fold_versions(items: Sequence[AlertItem]) -> tuple[AlertItem, ...]:
    """One item per thing said: an item nearly the same as an earlier one of the same speaker
    (items come most widely carried first) becomes one of that one's versions."""
    kept: list[AlertItem] = []
    for item in items:
        for index, head in enumerate(kept):
            if _folded(head.speaker) == _folded(item.speaker) and (
                    nearly_the_same(head.text, item.text)
                    or any(nearly_the_same(v, item.text) for v in head.versions)):
                kept[index] = replace(
                    head, versions=(*head.versions, item.wording(600), *item.versions),
                    version_ids=(*head.version_ids, item.statement_id, *item.version_ids))
                break
        else:
            kept.append(item)
    return tuple(kept)


def _speaker_alert(statements: Sequence[NewStatementInfo], context: AlertContext) -> AlertMessage:
    """One message for one speaker's statements in this run, listing what they said: a new
    voice quoted four times, or a known one with several new statements, is one development
    to read, not four alerts. A new speaker is introduced once, ever (the key has no run)."""
    first = statements[0]
    # A role any of their statements gives ("illustrator"), when the first gives none.
    role = first.role or next((s.role for s in statements if s.role), None)
    speaker = who(first.speaker, role)
    ranked = sorted(statements, key=lambda s: (-s.n_outlets, -s.confidence))
    if first.is_new_speaker:
        key = f"speaker:{context.story_id}:{_folded(first.speaker)}"
        said = f", {len(statements)} statements" if len(statements) > 1 else ""
        headline = f"New speaker: {speaker}{said}"
    else:
        key = f"statements:{context.story_id}:{_folded(first.speaker)}:{context.run_id}"
        headline = f"{len(statements)} new statements from {speaker}"
    items = [context.item(s) for s in ranked[:DIGEST_ITEMS_KEPT]]
    if role and not first.role:
        items = [replace(i, role=i.role or role) for i in items]
    return context.message(
        key=key,
        kind="speaker",
        rule=context.rules.on,
        headline=headline,
        items=fold_versions(items),
        n_statements=len(statements),
        n_speakers=1,
    )


def statement_alerts(
    matched: Sequence[NewStatementInfo], context: AlertContext
) -> list[AlertMessage]:
    """One message per speaker and run, in the order their first statement was seen: a new
    speaker's introduction, a known speaker's single statement, or several of theirs at once."""
    by_speaker: dict[str, list[NewStatementInfo]] = {}
    for statement in matched:
        by_speaker.setdefault(_folded(statement.speaker), []).append(statement)
    messages = []
    for statements in by_speaker.values():
        if len(statements) == 1 and not statements[0].is_new_speaker:
            messages.append(_statement_alert(statements[0], context))
        else:
            messages.append(_speaker_alert(statements, context))
    return messages


def _digest(
    statements: Sequence[NewStatementInfo],
    matched: Sequence[NewStatementInfo],
    ctx: AlertContext,
    *,
    baseline: bool,
) -> AlertMessage:
    """One message for many statements: the first run's baseline, or a run with more matching
    statements than max_per_run."""
    ranked = sorted(matched, key=lambda s: (-s.n_outlets, -s.confidence, s.speaker))
    n_speakers = len({s.speaker for s in statements})
    if baseline:
        headline = (
            f"Now following: {ctx.story_title} ({len(statements)} statements by {n_speakers} "
            f"speakers so far, {len(matched)} matching your alert rules)"
        )
    else:
        headline = (
            f"{len(matched)} new statements matching your alert rules in one run "
            f"({len(statements)} new in all, by {n_speakers} speakers): {ctx.story_title}"
        )
    return ctx.message(
        key=f"digest:{ctx.story_id}:{ctx.run_id}",
        kind="digest",
        rule="digest" if baseline else "max_per_run",
        headline=headline,
        items=fold_versions([ctx.item(s) for s in ranked[:DIGEST_ITEMS_KEPT]]),
        n_statements=len(statements),
        n_speakers=n_speakers,
    )


def digest_period(digest: str, now: datetime) -> tuple[datetime, str]:
    """The start of the day or ISO week `now` falls in (UTC), and its label."""
    moment = now.astimezone(UTC)
    day = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    if digest == "daily":
        return day, day.date().isoformat()
    year, week, weekday = moment.isocalendar()
    return day - timedelta(days=weekday - 1), f"{year}-W{week:02d}"


def digest_due(digest: str, last_digest_at: datetime | None, now: datetime) -> bool:
    """A channel's digest goes out at its first run in each day or week."""
    return last_digest_at is None or last_digest_at < digest_period(digest, now)[0]


def periodic_digest(held: Sequence[AlertMessage], digest: str, channel: str,
                    story_id: str, story_title: str, now: datetime) -> AlertMessage:
    """One message for everything a channel held since its last digest: each statement once,
    most widely carried first."""
    items: dict[str, AlertItem] = {}
    for message in held:
        for item in message.items:
            items.setdefault(item.statement_id, item)
    ranked = sorted(items.values(), key=lambda i: (-i.n_outlets, -i.confidence, i.speaker))
    n_speakers = len({item.speaker for item in ranked})
    label = digest_period(digest, now)[1]
    latest = held[-1] if held else None  # where the report is, as the latest alert said
    return AlertMessage(
        key=f"digest:{story_id}:{channel}:{label}",
        kind="digest",
        rule=digest,
        story_id=story_id,
        story_title=story_title,
        headline=(f"{digest.capitalize()} digest {label}: {len(ranked)} new statements by "
                  f"{n_speakers} speakers: {story_title}"),
        created_at=now.astimezone(UTC).isoformat(),
        items=fold_versions(ranked[:DIGEST_ITEMS_KEPT]),
        n_statements=len(ranked),
        n_speakers=n_speakers,
        report_url=latest.report_url if latest else None,
        report_path=latest.report_path if latest else None,
    )


def spike_alerts(context: AlertContext) -> list[AlertMessage]:
    """Days with at least min_articles articles and more than factor x the trailing average."""
    spike = context.rules.spike
    if spike is None:
        return []
    counts = context.daily_article_counts
    story_began = min((day for day, n in counts.items() if n > 0), default=None)
    messages = []
    for day in sorted(set(context.spike_days)):
        n_articles = counts.get(day, 0)
        # The trailing average counts only days since the story's first article: the quiet
        # days before a story began are no baseline, and its first day has none to compare.
        before = [day - timedelta(days=k) for k in range(1, spike.trailing_days + 1)]
        trailing = [counts.get(d, 0) for d in before if story_began and d >= story_began]
        if not trailing:
            continue
        average = sum(trailing) / len(trailing)
        if n_articles < spike.min_articles or n_articles <= spike.factor * average:
            continue
        messages.append(
            context.message(
                key=f"spike:{context.story_id}:{day.isoformat()}",
                kind="spike",
                rule="spike",
                headline=(
                    f"Coverage spike: {n_articles} articles on {day.isoformat()}, "
                    f"against {average:.1f} a day over the previous {len(trailing)} days"
                ),
                spike=SpikeInfo(
                    day=day.isoformat(),
                    n_articles=n_articles,
                    trailing_average=round(average, 3),
                    trailing_days=len(trailing),
                    factor=spike.factor,
                ),
            )
        )
    return messages


def source_alerts(context: AlertContext) -> list[AlertMessage]:
    """A source whose failure this run makes failing_source_runs in a row, once per streak; and
    one that works again after such a streak, once.

    Example: with the default 3, a feed failing on Monday, Tuesday and Wednesday raises one
    alert on Wednesday, none on Thursday if it still fails, and "works again" on Friday.
    """
    needed = context.rules.failing_source_runs
    messages = []
    for source in context.sources:
        before = context.source_streaks.get(source.source_url, 0)
        name = source.name or source.source_url
        if source.error is not None and before + 1 == needed:
            key, state = "source-failing", "failing"
            headline = f"Source failing {runs(needed)} in a row: {name}"
        elif source.error is None and before >= needed:
            key, state = "source-recovered", "recovered"
            headline = f"Source works again after failing {runs(before)} in a row: {name}"
        else:
            continue
        messages.append(context.message(
            key=f"{key}:{context.story_id}:{stable_id(source.source_url)}:{context.run_id}",
            kind="source",
            rule="failing_source_runs",
            headline=headline,
            source=SourceInfo(
                name=name, url=source.source_url, kind=source.kind, state=state,
                failed_runs=before + 1 if state == "failing" else before,
                reason=source.error,
            ),
        ))
    return messages


def select_alerts(
    new_statements: Sequence[NewStatementInfo], context: AlertContext
) -> list[AlertMessage]:
    """The alerts this run raises: one per speaker with matching statements, plus coverage
    spikes and sources failing (or working again).

    A story's first run sets the baseline instead: one digest of everything found so far (and no
    spike, since there is no trailing average to compare with). A later run with more matching
    statements than max_per_run sends one digest of them instead of a flood. A statement that
    is part of a fuller one (part_of: an excerpt of it quoted alone) is no news: it is
    judged, never shown.
    """
    news = [s for s in new_statements if s.part_of is None]
    matched = [s for s in news if matches_rules(s, context.rules)]
    if context.is_first_run:
        return [_digest(news, matched, context, baseline=True),
                *source_alerts(context)]
    if len(matched) > context.rules.max_per_run:
        return [_digest(news, matched, context, baseline=False),
                *spike_alerts(context), *source_alerts(context)]
    return statement_alerts(matched, context) + spike_alerts(context) + source_alerts(context)


def judged_statements(
    new_statements: Sequence[NewStatementInfo], context: AlertContext
) -> list[str]:
    """The statements this run settles for good: all of them on the first run (the baseline);
    later, all but those below min_confidence, which are judged again by later runs, since more
    articles may quote them with a surer attribution."""
    return [
        s.statement_id
        for s in new_statements
        if context.is_first_run or s.confidence >= context.rules.min_confidence
    ]
