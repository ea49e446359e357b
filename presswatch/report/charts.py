"""The report's charts: Vega-Lite built with altair, rendered to SVG at build time by vl-convert.

No JavaScript and no network at view time: the page holds the finished SVG. Outlet names are
page text, so the SVG is checked before it goes in the page: only drawing elements, no script,
no event handlers, no links, no external references (vl-convert escapes text; this makes sure).
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

from markupsafe import Markup

_SVG_NS = "{http://www.w3.org/2000/svg}"
_ALLOWED_TAGS = {"svg", "g", "path", "rect", "line", "text", "tspan", "circle", "title",
                 "desc", "defs", "clipPath", "polyline", "polygon", "ellipse"}
WIDTH, HEIGHT = 860, 260
# Tableau 20: a name keeps its colour from one report to the next (see colours).
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#a0cbe8", "#ffbe7d", "#ff9d9a", "#8cd17d", "#b6992d",
           "#f1ce63", "#86bcb6", "#d37295", "#fabfd2", "#79706e", "#d4a6c8")
OTHERS_COLOUR = "#bab0ac"


class UnsafeSvg(ValueError):
    """The rendered SVG holds something a static drawing must not."""


def safe_svg(svg: str) -> Markup:
    """The SVG as markup for the page, after checking that it is only a drawing."""
    if "<!" in svg or "<?" in svg:
        raise UnsafeSvg("declarations or processing instructions in the chart SVG")
    root = ET.fromstring(svg)
    for element in root.iter():
        tag = element.tag.removeprefix(_SVG_NS)
        if tag not in _ALLOWED_TAGS:
            raise UnsafeSvg(f"<{tag}> in the chart SVG")
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on") or local in ("href", "src", "style") or "url(" in value:
                raise UnsafeSvg(f"attribute {local!r} on <{tag}> in the chart SVG")
    return Markup(svg)


def colours(names: list[str], others: str) -> tuple[list[str], list[str]]:
    """A colour per name that depends on the name, not on which other names a report shows, so
    an outlet is the same colour in today's report as in yesterday's. Two names whose hashes
    meet take the next free colour (in name order); past 20 names colours repeat. `others`
    (the summed rest) is always grey."""
    taken: dict[str, str] = {}
    used: set[str] = set()
    for name in sorted(n for n in set(names) if n != others):
        start = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "big")
        for step in range(len(PALETTE)):
            colour = PALETTE[(start + step) % len(PALETTE)]
            if colour not in used or len(used) >= len(PALETTE):
                break
        taken[name] = colour
        used.add(colour)
    domain = sorted(taken) + ([others] if others in names else [])
    return domain, [taken[n] for n in domain if n != others] + (
        [OTHERS_COLOUR] if others in names else [])


def _day_axis(days: list[date], title: str = "day (UTC)"):
    """A time axis with one label per day (a story of three days shows three labels, not a
    label every six hours), or every few days when there are many."""
    import altair as alt

    span = (max(days) - min(days)).days + 1 if days else 1
    step = max(1, -(-span // 14))
    return alt.X("day:T", timeUnit="utcyearmonthdate", title=title,
                 axis=alt.Axis(format="%d %b", labelAngle=0,
                               values=_tick_days(days, step)))


def _tick_days(days: list[date], step: int) -> list[dict[str, Any]]:
    if not days:
        return []
    first, last = min(days), max(days)
    ticks = [date.fromordinal(d) for d in range(first.toordinal(), last.toordinal() + 1, step)]
    return [{"year": d.year, "month": d.month, "date": d.day, "utc": True} for d in ticks]


def _stacked_by_day(rows: list[dict[str, Any]], series: str, title: str, others: str,
                    y_title: str, extra_days: list[date] = ()):
    import altair as alt

    bar_rows = [{"day": r["day"].isoformat(), series: r[series], "articles": r["n_articles"]}
                for r in rows]
    domain, palette = colours([r[series] for r in rows], others)
    chart = alt.Chart(alt.Data(values=bar_rows)).mark_bar().encode(
        x=_day_axis([r["day"] for r in rows] + list(extra_days)),
        y=alt.Y("sum(articles):Q", title=y_title, axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color(f"{series}:N", title=title, legend=alt.Legend(orient="right"),
                        scale=alt.Scale(domain=domain, range=palette)),
        order=alt.Order(f"{series}:N"),
        tooltip=["day:T", f"{series}:N", "sum(articles):Q"],
    )
    return chart


def attention_spec(days: list[dict[str, Any]], markers: list[dict[str, Any]]) -> dict:
    """Relevant articles per day, stacked by outlet, with the story start and alert days ruled."""
    import altair as alt

    mark_rows = [{"day": m["day"].isoformat(), "kind": m["kind"], "label": m["label"]}
                 for m in markers]
    bars = _stacked_by_day(days, "outlet", "outlet", "Other outlets",
                           "articles about the story", [m["day"] for m in markers])
    layers = [bars]
    if mark_rows:
        kind_scale = alt.Scale(domain=["story start", "alert"], range=["#333333", "#d62728"])
        kind_colour = alt.Color("kind:N", title="marks", scale=kind_scale)
        marks = alt.Chart(alt.Data(values=mark_rows))
        # Rules in the middle of their day's bar; labels beside them, the legend once.
        centre = alt.X("day:T", timeUnit="utcyearmonthdate", bandPosition=0.5)
        layers.append(marks.mark_rule(strokeDash=[5, 3], strokeWidth=2).encode(
            x=centre, color=kind_colour, tooltip=["day:T", "label:N"]))
        layers.append(marks.mark_text(align="left", dx=4, baseline="top", fontSize=11).encode(
            x=centre, y=alt.value(4), text="label:N",
            color=alt.Color("kind:N", legend=None, scale=kind_scale)))
    chart = alt.layer(*layers).resolve_scale(color="independent").properties(
        width=WIDTH, height=HEIGHT)
    return chart.to_dict()


def voice_spec(days: list[dict[str, Any]]) -> dict:
    """Share of voice over time: articles quoting each voice per day, stacked."""
    chart = _stacked_by_day(days, "voice", "voice", "Other voices", "articles quoting them")
    return chart.properties(width=WIDTH, height=HEIGHT - 60).to_dict()


def outlets_spec(outlets: list[dict[str, Any]], limit: int = 15) -> dict:
    """Top outlets: articles about the story per outlet, most first, as horizontal bars."""
    import altair as alt

    rows = [{"outlet": o["name"], "articles": o["n_relevant"]}
            for o in outlets if o["n_relevant"]][:limit]
    domain, palette = colours([r["outlet"] for r in rows], "")
    chart = alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        y=alt.Y("outlet:N", title=None, sort="-x"),
        x=alt.X("articles:Q", title="articles about the story",
                axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("outlet:N", legend=None, scale=alt.Scale(domain=domain, range=palette)),
        tooltip=["outlet:N", "articles:Q"],
    )
    labels = chart.mark_text(align="left", dx=3).encode(text="articles:Q",
                                                       color=alt.value("#1d232a"))
    return alt.layer(chart, labels).properties(width=WIDTH - 260,
                                               height=22 * max(1, len(rows))).to_dict()


def render(spec: dict) -> Markup:
    import vl_convert

    return safe_svg(vl_convert.vegalite_to_svg(spec))


def attention_chart(days: list[dict[str, Any]], markers: list[dict[str, Any]]) -> Markup | None:
    """The attention chart as inline SVG, or None when no article is about the story yet."""
    return render(attention_spec(days, markers)) if days else None


def voice_chart(days: list[dict[str, Any]]) -> Markup | None:
    """The share-of-voice chart as inline SVG, or None when nobody is quoted yet."""
    return render(voice_spec(days)) if days else None


def outlets_chart(outlets: list[dict[str, Any]]) -> Markup | None:
    """The top-outlets chart as inline SVG, or None when no article is about the story yet."""
    return render(outlets_spec(outlets)) if any(o["n_relevant"] for o in outlets) else None
