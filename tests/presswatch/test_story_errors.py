"""A story file's mistakes, as its author reads them: all in one go, each naming the key, the
line where the parser stopped, and what to write instead."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from presswatch.story import StoryError, default_story_path, load_story


def _story_with(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    text = default_story_path().read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "story.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(path: Path, fragment: str) -> int:
    return next(n for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
                if fragment in line)


def _problems(path: Path) -> list[str]:
    with pytest.raises(StoryError) as caught:
        load_story(path)
    return caught.value.problems


@pytest.mark.parametrize("bad", ["2024-13-01", "2024-11-31", "26/11/2024", "2024-1-5"])
def test_a_bad_date_names_the_key_the_line_and_what_to_write(tmp_path, bad):
    path = _story_with(tmp_path, ("start_date = 2024-11-26", f"start_date = {bad}"))
    (problem,) = _problems(path)
    line = _line_of(path, "start_date =")
    assert problem.startswith(f"{path}: start_date: {bad} is not a date (line {line}); ")
    assert "write the day as YYYY-MM-DD" in problem and "start_date = 2024-11-26" in problem
    for raw_toml in ("Expected newline", "Invalid date", "column"):
        assert raw_toml not in problem


def test_a_quoted_impossible_date_is_named_too(tmp_path):
    path = _story_with(tmp_path, ("start_date = 2024-11-26", 'start_date = "2024-02-30"'))
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}: start_date: '2024-02-30' is not a date; ")
    assert "YYYY-MM-DD" in problem


def test_a_bare_word_says_what_the_key_takes(tmp_path):
    path = _story_with(tmp_path, ("threshold = 0.5", "threshold = high"),
                       ("obey_robots = true", "obey_robots = yes"),
                       ('on = "all"', "on = all"))
    problems = _problems(path)
    assert f"{path}: relevance.threshold: high is not a TOML value (line " \
        f"{_line_of(path, 'threshold = high')}); write a number, e.g. threshold = 0.5" in problems
    assert any(p.startswith(f"{path}: crawl.obey_robots: yes is not a TOML value")
               and p.endswith("write obey_robots = true or obey_robots = false")
               for p in problems), problems
    assert any(p.startswith(f"{path}: alerts.on: all is not a TOML value")
               and p.endswith('text must be in quotes: on = "all"') for p in problems), problems


def test_syntax_types_and_checks_are_reported_in_one_round(tmp_path):
    """One run of the check lists every mistake, not the first of each kind in turn."""
    path = _story_with(
        tmp_path,
        ("start_date = 2024-11-26", "start_date = 2024-13-01"),  # syntax
        ('label = "PERSON"\naliases = ["Felix"]', 'label = "PERSN"\naliases = ["Felix"]'),  # type
        ("download_delay = 1.0", "download_dely = 1.0"),  # unknown key
        ('name = "OpenAI"\n', 'name = "OpenAI"\nrank = 1\n'),  # unknown key in an entry
        ('url = "https://techcrunch.com/feed/"', 'url = "not a url"'),  # check
        ('["Sora", "PR Puppets"], ["Sora", "Hugging Face"]',
         '["Sora", "PR Pupets"], ["Sora", "Hugging Face"]'),  # check
    )
    problems = _problems(path)
    keys = [p.removeprefix(f"{path}: ").split(": ")[0] for p in problems]
    felix = next(i for i, line in enumerate(
        path.read_text("utf-8").split("[[entities]]")[1:]) if '"Niko Felix"' in line)
    feeds = tomllib.loads(default_story_path().read_text("utf-8"))["feeds"]
    techcrunch = next(i for i, f in enumerate(feeds) if f["url"] == "https://techcrunch.com/feed/")
    assert keys == ["start_date", "entities[0].rank", f"entities[{felix}].label",
                    "crawl.download_dely", "relevance.require_any[1]",
                    f"feeds[{techcrunch}].url"], problems
    assert "use one of those" in problems[2] and "did you mean 'download_delay'?" in problems[3]
    # The entities with a mistyped label or an unknown key are still entities: no knock-on
    # "not one of the [[entities]]" for the names that refer to them.
    assert not any("is not the name" in p for p in problems)
    with pytest.raises(StoryError) as caught:
        load_story(path)
    assert str(caught.value).startswith(f"{path}: 6 mistakes:\n  {path}: start_date: ")


def test_an_unclosed_list_stops_reading_and_says_so(tmp_path):
    path = _story_with(tmp_path, ('terms = [\n  "leak",', 'terms = [\n  "leak"'),
                       ("download_delay = 1.0", "download_dely = 1.0"))
    problems = _problems(path)
    assert "not valid TOML" in problems[0] and "relevance" in problems[0]
    assert problems[-1].endswith("correct it and run `presswatch story check` again")
    assert not any("download_dely" in p for p in problems)  # never read, so never judged


def test_a_file_without_mistakes_loads():
    assert load_story(default_story_path()).id == "sora-leak"
