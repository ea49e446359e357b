"""The report's chart: Vega-Lite built with altair, rendered to SVG at build time by vl-convert.

No JavaScript and no network at view time: the page holds the finished SVG. Outlet names are
page text, so the SVG is checked before it goes in the page: only drawing elements, no script,
no event handlers, no links, no external references (vl-convert escapes text; this makes sure).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from markupsafe import Markup

_SVG_NS = "{http://www.w3.org/2000/svg}"
_ALLOWED_TAGS = {"svg", "g", "path", "rect", "line", "text", "tspan", "circle", "title",
                 "desc", "defs", "clipPath", "polyline", "polygon", "ellipse"}
WIDTH, HEIGHT = 860, 260


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


def attention_spec(days: list[dict[str, Any]], markers: list[dict[str, Any]]) -> dict:
    """Relevant articles per day, stacked by outlet, with the story start and alert days ruled."""
    import altair as alt

    bar_rows = [{"day": r["day"].isoformat(), "outlet": r["outlet"], "articles": r["n_articles"]}
                for r in days]
    mark_rows = [{"day": m["day"].isoformat(), "kind": m["kind"], "label": m["label"]}
                 for m in markers]
    x = alt.X("day:T", timeUnit="utcyearmonthdate", title="day (UTC)",
              axis=alt.Axis(format="%d %b", labelAngle=0))
    bars = alt.Chart(alt.Data(values=bar_rows)).mark_bar().encode(
        x=x,
        y=alt.Y("sum(articles):Q", title="articles about the story"),
        color=alt.Color("outlet:N", title="outlet", legend=alt.Legend(orient="right")),
        order=alt.Order("outlet:N"),
        tooltip=["day:T", "outlet:N", "sum(articles):Q"],
    )
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


def attention_chart(days: list[dict[str, Any]], markers: list[dict[str, Any]]) -> Markup | None:
    """The attention chart as inline SVG, or None when no article is about the story yet."""
    if not days:
        return None
    import vl_convert

    return safe_svg(vl_convert.vegalite_to_svg(attention_spec(days, markers)))
