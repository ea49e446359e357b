"""`presswatch report`: the story at a glance, as static HTML pages that open from file://.

Every figure comes from a query file in presswatch/warehouse/report_queries/; this package only
lays the rows out (Jinja2 templates with autoescaping) and draws the attention chart (Vega-Lite
through altair, rendered to SVG at build time by vl-convert). No page loads anything: no CDN, no
fonts, no images, and a Content-Security-Policy that lets only the page's own script and style
run.
"""

from presswatch.report.build import (
    ReportError,
    ReportResult,
    build_report,
    last_report,
    report_index,
)
from presswatch.warehouse.beside import report_dir

__all__ = ["ReportError", "ReportResult", "build_report", "last_report", "report_dir",
           "report_index"]
