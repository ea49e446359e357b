"""The cookbook of questions analysts ask, shipped inside the package (`presswatch sql
--cookbook 02`, `.cookbook` at the prompt): one SQL file per question in warehouse/cookbook/,
its first line the question, its name starting with the recipe's number."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

COOKBOOK = resources.files("presswatch.warehouse") / "cookbook"


class UnknownRecipe(LookupError):
    """No recipe by that number or name; the message lists them."""


@dataclass(frozen=True)
class Recipe:
    number: str  # "02"
    name: str  # "02_outlets_running_openai_statement"
    question: str
    sql: str


def recipes() -> list[Recipe]:
    """Every recipe, by number."""
    found = []
    for entry in sorted(COOKBOOK.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".sql"):
            continue
        sql = entry.read_text(encoding="utf-8")
        name = entry.name.removesuffix(".sql")
        question = sql.splitlines()[0].removeprefix("--").strip() if sql else name
        found.append(Recipe(name.split("_", 1)[0], name, question, sql))
    return found


def find_recipe(key: str) -> Recipe:
    """A recipe by number ("2", "02") or by the start of its name ("02_outlets")."""
    wanted = key.strip().removesuffix(".sql")
    every = recipes()
    for recipe in every:
        if wanted.isdigit() and int(wanted) == int(recipe.number):
            return recipe
        if wanted and recipe.name.startswith(wanted):
            return recipe
    raise UnknownRecipe(f"no cookbook recipe {key!r}; the recipes are:\n" + listing(every))


def listing(every: list[Recipe] | None = None) -> str:
    """One line per recipe: number and question."""
    return "\n".join(f"  {r.number}  {r.question}" for r in (every or recipes()))
