"""The docs stay navigable and the generated cookbook page stays current."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _links(page: Path) -> set[Path]:
    """Local files a markdown page links to, resolved from the page's folder."""
    text = page.read_text(encoding="utf-8")
    return {
        (page.parent / target).resolve()
        for target in LINK.findall(text)
        if "://" not in target and not target.startswith("mailto:")
    }


def test_cookbook_page_is_what_the_generator_writes():
    generator = runpy.run_path(str(ROOT / "scripts" / "make_cookbook.py"))
    assert (DOCS / "cookbook.md").read_text(encoding="utf-8") == generator["render"](), (
        "docs/cookbook.md is stale: run `make docs`"
    )


def test_cookbook_generator_refuses_a_recipe_without_its_question(tmp_path):
    generator = runpy.run_path(str(ROOT / "scripts" / "make_cookbook.py"))
    (tmp_path / "01_no_question.sql").write_text("select 1;\n")
    try:
        generator["render"](tmp_path)
    except SystemExit as refused:
        assert "01_no_question.sql" in str(refused)
    else:
        raise AssertionError("a recipe without its question was accepted")


def test_every_docs_page_is_linked_from_the_readme():
    linked = _links(ROOT / "README.md")
    unlinked = [p.name for p in sorted(DOCS.glob("*.md")) if p.resolve() not in linked]
    assert not unlinked, f"docs pages the README does not link: {unlinked}"


def test_every_local_link_in_the_readme_and_docs_points_at_a_file():
    pages = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    broken = [
        f"{page.relative_to(ROOT)} -> {target.relative_to(ROOT)}"
        for page in pages
        for target in _links(page)
        if not target.exists()
    ]
    assert not broken, f"links to missing files: {broken}"


def test_the_readme_stays_a_front_door():
    assert len((ROOT / "README.md").read_bytes()) < 20_000, "README.md over 20 KB: move it to docs/"
