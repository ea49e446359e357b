"""The demo's report, as a person sees it: `presswatch demo` (the real daily flow on the replay,
two days) writes it beside the snapshot; real headless Chromium opens it from file://.

Without Chromium the browser tests skip, saying how to enable them (`apt-get install chromium`);
the checks on the written HTML run either way.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import re
from pathlib import Path

import duckdb
import lxml.html
import pytest

from presswatch.report import report_dir
from presswatch.warehouse.store import snapshot_path

pytestmark = pytest.mark.slow
IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")


@pytest.fixture(scope="module")
def demo(replay_days, tmp_path_factory):
    """Both replay days through the daily flow, report included (conftest.py runs them)."""
    db = replay_days.copy(tmp_path_factory.mktemp("demo"))
    return {"db": db, "report": report_dir(db)}


def _tree(path: Path):
    return lxml.html.fromstring(path.read_text(encoding="utf-8"))


def _niko_felix_row(tree):
    rows = [row for row in tree.xpath("//table[@id='statements-table']/tbody/tr")
            if "Niko Felix" in row.xpath("string(td[1])")]
    assert rows, "Niko Felix's statement is not on the overview"
    return rows[0]


def _visible_text(tree) -> str:
    for element in tree.xpath("//script | //style"):
        element.drop_tree()
    return tree.text_content()


def test_the_run_writes_the_report_beside_the_snapshot(demo):
    report = demo["report"]
    assert snapshot_path(demo["db"]).exists()
    assert report.parent == demo["db"].parent and report.name == demo["db"].stem + ".report"
    assert (report / "index.html").exists() and (report / ".presswatch-report").exists()
    assert list(report.glob("speaker/*.html")) and list(report.glob("statement/*.html"))


def test_the_overview_shows_niko_felix_statement_with_five_outlets(demo):
    row = _niko_felix_row(_tree(demo["report"] / "index.html"))
    assert row.xpath("string(.//span[@class='n-outlets'])") == "5"
    outlets = {o.text_content() for o in row.xpath(".//div[@class='names']/span[@class='outlet']")}
    assert outlets == {"Byteline", "Frame Rate News", "Pixel Ledger", "The Daily Circuit",
                       "Wirewire"}
    assert "Sora is still in research preview" in row.xpath("string(td[2])")


def test_every_outlet_is_shown_by_name_never_as_an_address(demo):
    with duckdb.connect(str(snapshot_path(demo["db"])), read_only=True) as con:
        named = dict(con.execute("select outlet, named_by from outlet_names").fetchall())
        timeline = con.execute("select unnest(outlets) from statement_timeline").fetchall()
        coverage = con.execute("select name from outlet_coverage").fetchall()
    assert named and "host" not in named.values(), named
    assert named["127.0.0.5"] == "feed"  # Byteline's pages name nothing; its feed does
    for (name,) in [*timeline, *coverage]:
        assert not IPV4.search(name), name
    for page in demo["report"].rglob("*.html"):
        tree = _tree(page)
        for outlet in tree.xpath("//*[contains(concat(' ', @class, ' '), ' outlet ')]"):
            assert not IPV4.search(outlet.text_content()), (page, outlet.text_content())
        assert not IPV4.search(_visible_text(tree)), page


def test_the_pages_reference_nothing_outside_the_folder(demo):
    report = demo["report"]
    for page in report.rglob("*.html"):
        tree = _tree(page)
        assert tree.xpath("//meta[@http-equiv='Content-Security-Policy']"), page
        for element in tree.xpath("//*[@src] | //link | //iframe | //object | //embed"):
            raise AssertionError(f"{page}: loads {lxml.html.tostring(element)[:120]!r}")
        for target in tree.xpath("//a/@href"):
            if re.match(r"^https?://", target):
                # Articles and feeds are links a reader may follow, never loaded by the page.
                assert ipaddress.ip_address(target.split("/")[2].split(":")[0]).is_loopback
                continue
            assert (page.parent / target).resolve().is_file(), (page, target)
        assert "url(" not in "".join(tree.xpath("//style/text()")), page


def test_chromium_draws_the_attention_chart(demo, browser, tmp_path):
    index = demo["report"] / "index.html"
    dom = lxml.html.fromstring(browser.dom(index.as_uri()))
    (svg,) = dom.xpath("//figure[@id='attention-chart']/svg")
    assert float(svg.get("width")) > 300 and float(svg.get("height")) > 150
    bars = svg.xpath(".//*[@aria-roledescription='bar']")
    assert len(bars) >= 10  # a bar per outlet and day
    labels = " ".join(svg.xpath(".//text()"))
    assert "Story starts" in labels and "alert" in labels
    assert "Wirewire" in labels  # the legend names outlets
    shot = browser.screenshot(index.as_uri(), tmp_path / "report.png", size="1400,1000")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 40_000  # drawn, not blank
    assert dom.xpath("//table[@id='statements-table']//th/button")  # the table script ran


def test_a_statement_page_and_a_speaker_page_are_reachable_by_link(demo, browser):
    index = demo["report"] / "index.html"
    row = _niko_felix_row(lxml.html.fromstring(browser.dom(index.as_uri())))
    (statement_href,) = row.xpath(".//a[@class='statement']/@href")
    (speaker_href,) = row.xpath(".//a[@class='speaker']/@href")
    statement = lxml.html.fromstring(browser.dom((index.parent / statement_href).as_uri()))
    assert statement.xpath("string(//dd[@id='n-outlets'])") == "5"
    timeline = statement.xpath("//ol[@class='timeline']/li")
    assert timeline[0].get("class") == "first" and len(timeline) >= 5
    assert any(li.get("class") == "copy" for li in timeline)  # a syndicated copy, marked
    assert "Sora is still in research preview" in timeline[0].xpath("string(.//mark)")
    assert all(li.xpath(".//a[@class='article']/@href") for li in timeline)
    speaker = lxml.html.fromstring(
        browser.dom((index.parent / speaker_href).as_uri()))
    assert speaker.xpath("string(//h1)") == "Niko Felix"
    assert speaker.xpath("//table[@id='statements-table']//a[@class='statement']")


def test_loading_the_report_makes_no_network_request(demo, browser, tmp_path):
    # The detector first: a page that does load from the network is caught.
    control = tmp_path / "control.html"
    control.write_text('<!DOCTYPE html><img src="http://127.0.0.1:9/x.png">', encoding="utf-8")
    browser.dom(control.as_uri(), net_log=tmp_path / "control.json")
    assert browser.page_requests(tmp_path / "control.json") == ["http://127.0.0.1:9/x.png"]
    report = demo["report"]
    pages = [report / "index.html", next(report.glob("statement/*.html")),
             next(report.glob("speaker/*.html")), report / "statements.html"]
    for number, page in enumerate(pages):
        log = tmp_path / f"net-{number}.json"
        browser.dom(page.as_uri(), net_log=log)
        assert browser.page_requests(log) == [], page


def test_tables_sort_and_filter_in_the_browser(demo, browser, tmp_path):
    """The report's own script, driven in Chromium: click a heading, type in a filter."""
    from presswatch.report.build import ASSETS

    index = demo["report"] / "index.html"
    html = index.read_text(encoding="utf-8")
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    driver = """<script>
    var table = document.getElementById('statements-table');
    table.tHead.rows[0].cells[3].querySelector('button').click();  // outlets, ascending
    table.tHead.rows[0].cells[3].querySelector('button').click();  // then descending
    var rows = table.tBodies[0].rows;
    var first = rows[0].cells[3].getAttribute('data-sort');
    var last = rows[rows.length - 1].cells[3].getAttribute('data-sort');
    var input = document.querySelector('input[data-filter-for=statements-table]');
    input.value = 'niko'; input.dispatchEvent(new Event('input'));
    var shown = Array.prototype.filter.call(rows, function (r) { return !r.hidden; }).length;
    document.body.setAttribute('data-result', [first, last, shown].join(','));
    </script></body>"""
    assert (ASSETS / "report.js").read_text(encoding="utf-8") in page
    driven = tmp_path / "driven.html"
    driven.write_text(page.replace("</body>", driver), encoding="utf-8")
    (result,) = lxml.html.fromstring(browser.dom(driven.as_uri())).xpath("//body/@data-result")
    first, last, shown = result.split(",")
    assert (int(first), int(last), int(shown)) == (5, 1, 1)


# -- what an analyst takes away (issue 28) ---------------------------------------------------

BYLINES = {"Lena Hartmann", "Paul Mensah", "Mark Ebersole", "Camille Roussel"}  # the replay's
DATELINES = {"SAN FRANCISCO", "PARIS"}


@pytest.fixture(scope="module")
def overview_dom(demo, module_browser):
    """The overview as Chromium has it after the page's script ran."""
    return lxml.html.fromstring(module_browser.dom((demo["report"] / "index.html").as_uri()))


def test_quotes_are_in_quotation_marks_and_reported_speech_is_marked(overview_dom):
    rows = overview_dom.xpath("//table[@id='statements-table']/tbody/tr")
    quoted = [r for r in rows if r.xpath(".//span[contains(@class, 'said-quoted')]")]
    reported = [r for r in rows if r.xpath(".//span[contains(@class, 'said-reported')]")]
    assert quoted and reported and len(quoted) + len(reported) == len(rows)
    felix = _niko_felix_row(overview_dom).xpath("string(td[2])").strip()
    assert felix.startswith("“Sora is still in research preview") and felix.endswith("”")
    for row in reported:
        cell = row.xpath("string(td[2])").strip()
        assert cell.startswith("reported:") and "“" not in cell[:12], cell


def test_the_header_counts_the_statements_the_table_lists(demo, overview_dom):
    n_rows = len(overview_dom.xpath("//table[@id='statements-table']/tbody/tr"))
    assert overview_dom.xpath("string(//dd[@id='n-statements'])") == str(n_rows)
    with duckdb.connect(str(demo["db"]), read_only=True) as con:  # what the runs said
        (said,) = con.execute("select sum(n_statements_new) from runs").fetchone()
    assert n_rows == said > 60


def test_share_of_voice_is_drawn_and_tabled(overview_dom):
    (svg,) = overview_dom.xpath("//figure[@id='share-of-voice-chart']/svg")
    assert len(svg.xpath(".//*[@aria-roledescription='bar']")) >= 5
    rows = overview_dom.xpath("//table[@id='voices-table']/tbody/tr")
    voices = {r.xpath("string(td[1])"): r.xpath("string(td[2])") for r in rows}
    assert set(list(voices)[:2]) == {"OpenAI", "PR Puppets"}  # the two most quoted
    assert "Niko Felix" in voices["OpenAI"]  # a spokesperson speaks for the organisation


def test_every_table_has_a_csv_download_holding_its_rows(demo, overview_dom):
    report = demo["report"]
    for table_id in ("statements-table", "speakers-table", "voices-table", "outlets-table",
                     "sources-table", "languages-table", "new-statements", "audit-table"):
        (table,) = overview_dom.xpath(f"//table[@id='{table_id}']")
        links = table.xpath("preceding-sibling::p[@class='export'][1]/a[@download]/@href")
        assert len(links) == 2, table_id
        csv_href = next(h for h in links if h.endswith(".csv"))
        raw = (report / csv_href).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), csv_href  # UTF-8 BOM: Excel reads it right
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        assert len(rows) - 1 == len(table.xpath("tbody/tr")), table_id
    statements = list(csv.DictReader(io.StringIO(
        (report / "export-statements.csv").read_text(encoding="utf-8-sig"), newline="")))
    felix = next(r for r in statements if r["speaker"] == "Niko Felix")
    assert felix["said as"] == "quoted" and felix["outlets"] == "5"
    assert "Il Corriere Tecnologico" in (report / "export-outlets.csv").read_text("utf-8-sig")


def test_no_byline_or_dateline_among_rising_and_falling_names(overview_dom):
    names = {row.xpath("string(td[1])") for table in ("entities-rising", "entities-falling")
             for row in overview_dom.xpath(f"//table[@id='{table}']/tbody/tr")}
    assert names, "no names compared"
    assert not names & (BYLINES | DATELINES), names & (BYLINES | DATELINES)
    assert "Microsoft" not in names and not any(n.isupper() and " " in n for n in names)


def test_the_italian_articles_are_counted_or_their_absence_explained(overview_dom):
    (row,) = [r for r in overview_dom.xpath("//table[@id='outlets-table']/tbody/tr")
              if r.xpath("string(td[1])") == "Il Corriere Tecnologico"]
    assert row.xpath("string(td[4])") == "2"  # about the story
    assert "not read" in row.xpath("string(.)") and "it" in row.xpath("string(.//code)")
    note = overview_dom.xpath("string(//p[@id='not-analysed'])")
    assert "Il Corriere Tecnologico" in note and "English" in note
