"""The crawl child's cost, and what the main process then spends on each page it wrote.

    .venv/bin/python bench/crawl.py [--articles 1000] [--profile-child out.prof]

Serves N articles (bench/sitegen.py in its own process, as bench/e2e.py does), then:
1. crawls them with the real child (`python -m presswatch.spiders job.json`, as a daily run
   starts it): its CPU seconds (user + system, from the kernel's count for finished children)
   per 1,000 requests the site answered;
2. crawls again with the first crawl's validators and stored URLs (the quiet re-run: one
   conditional request per feed and sitemap, all 304): its wall and CPU seconds;
3. extracts every stored page (presswatch/spiders/extract.py) and sketches every article
   (presswatch/nlp/syndication.py) in this process: CPU seconds per 1,000 pages.

It prints digests of what each step produced (the crawl's page records without their fetch
times, the stored bodies, the articles' fields, the signatures), so a change that must keep its
outputs can be compared before and after. --profile-child runs both crawl children under
cProfile. The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from presswatch.spiders.crawl import RunningCrawl, load_crawl_output  # noqa: E402
from presswatch.spiders.job import JOB_FILE, CrawlJob  # noqa: E402
from presswatch.story import load_story  # noqa: E402


def _e2e():
    """bench/e2e.py as a module, for its site process and story (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("e2e", Path(__file__).with_name("e2e.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules["e2e"] = module
    spec.loader.exec_module(module)
    return module


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def crawl(job: CrawlJob, staging: Path, profile: Path | None = None) -> tuple[float, float]:
    """(wall s, CPU s) of one crawl child, started as a daily run starts it, or under cProfile."""
    cpu, start = children_cpu_s(), time.perf_counter()
    if profile is None:
        RunningCrawl(job, staging).finish()
    else:
        staging.mkdir(parents=True)
        (staging / JOB_FILE).write_text(job.to_json(), encoding="utf-8")
        subprocess.run([sys.executable, "-m", "cProfile", "-o", str(profile), "-m",
                        "presswatch.spiders", str(staging / JOB_FILE)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, children_cpu_s() - cpu


class Digest:
    """SHA-256 of values with each outlet's address (a free port, new every run) replaced by
    its number, so two runs of the same site give the same digest."""

    def __init__(self, bases: list[str]) -> None:
        self.bases = [(base.encode(), f"http://outlet-{i}".encode())
                      for i, base in enumerate(bases)]
        self.sha = hashlib.sha256()

    def update(self, value: object) -> None:
        data = value if isinstance(value, bytes) else json.dumps(value, default=str).encode()
        for base, name in self.bases:
            data = data.replace(base, name)
        self.sha.update(data)

    def hexdigest(self) -> str:
        return self.sha.hexdigest()[:16]


def crawl_digests(staging: Path, bases: list[str]) -> dict[str, str]:
    """Digests of the page records (fetch times left out) and of the stored bodies' bytes."""
    output = load_crawl_output(staging)
    records, bodies, sources = Digest(bases), Digest(bases), Digest(bases)
    for page in sorted(output.pages(), key=lambda p: p.url):
        records.update([page.url, page.final_url, page.status, page.source_url,
                        page.content_type, page.encoding, page.reason, bool(page.body_path)])
        if page.body_path:
            bodies.update(page.url.encode() + gzip.decompress(Path(page.body_path).read_bytes()))
    for source in output.sources:
        # Not the validators: the site dates its documents by the time it started.
        sources.update([source.source_url, source.status, source.error,
                        sorted((c.url, c.title, c.published_at) for c in source.candidates)])
    return {"pages": records.hexdigest(), "bodies": bodies.hexdigest(),
            "sources": sources.hexdigest()}


def quiet_job(job: CrawlJob, staging: Path, folder: Path) -> CrawlJob:
    """The next run's job: the first crawl's validators, its pages' URLs as stored."""
    output = load_crawl_output(staging)
    stored = folder / "stored_urls.txt"
    stored.write_text("".join(f"{p.url}\n{p.final_url}\n" for p in output.pages()
                              if p.body_path), encoding="utf-8")
    job.feed_state = {s.source_url: (s.etag, s.last_modified) for s in output.sources}
    job.stored_urls_path = str(stored)
    return job


def extract_and_sketch(staging: Path, bases: list[str]) -> dict:
    """CPU seconds of extracting every stored page and sketching every article, with digests."""
    from presswatch.nlp.syndication import sketch_article
    from presswatch.spiders.extract import extract_pages

    pages = [p for p in load_crawl_output(staging).pages() if p.body_path]
    start = time.process_time()
    results = list(extract_pages(pages))
    extract_cpu = time.process_time() - start
    articles = [r for r in results if hasattr(r, "article_id")]
    start = time.process_time()
    signatures = [sketch_article(a.article_id, a.text, a.published_at, a.fetched_at)
                  for a in articles]
    sketch_cpu = time.process_time() - start
    fields, sketches = Digest(bases), Digest(bases)
    urls = {a.article_id: a.canonical_url for a in articles}
    for article in sorted(articles, key=lambda a: a.canonical_url):
        fields.update([article.url, article.canonical_url, article.outlet, article.title,
                       article.authors, article.published_at, article.language, article.text,
                       article.word_count, article.site_name,
                       gzip.decompress(article.raw_html_gz).decode()])
    for signature in sorted(signatures, key=lambda s: urls[s.article_id]):
        sketches.update([urls[signature.article_id], signature.text_hash, signature.n_shingles,
                         signature.published_at, signature.minhash.hex()])
    per_1000 = 1000 / max(len(pages), 1)
    return {"pages_extracted": len(pages), "articles": len(articles),
            "extract_cpu_s": round(extract_cpu, 2),
            "extract_cpu_s_per_1000_pages": round(extract_cpu * per_1000, 2),
            "sketch_cpu_s": round(sketch_cpu, 2),
            "sketch_cpu_s_per_1000_pages": round(sketch_cpu * per_1000, 2),
            "articles_digest": fields.hexdigest(),
            "signatures_digest": sketches.hexdigest()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile-child", type=Path, default=None, metavar="FOLDER",
                        help="run the crawl children under cProfile (wall clock), writing "
                             "first.prof and quiet.prof in FOLDER")
    parser.add_argument("--no-extract", action="store_true",
                        help="measure the crawl only")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    e2e = _e2e()
    figures: dict = {"articles": args.articles}
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        folder = Path(tmp)
        site = e2e.SiteProcess(args.articles, args.seed)
        try:
            story = load_story(e2e.bench_story(site.bases, folder))
            job = CrawlJob.for_story(story)
            first = folder / "first"
            profiles = args.profile_child
            if profiles is not None:
                profiles.mkdir(parents=True, exist_ok=True)
            wall, cpu = crawl(job, first, profiles and profiles / "first.prof")
            requests = site.stats()
            site.reset()
            quiet_wall, quiet_cpu = crawl(quiet_job(job, first, folder), folder / "quiet",
                                          profiles and profiles / "quiet.prof")
            quiet_requests = site.stats()
        finally:
            site.close()
        n = requests.get("requests", 0)
        figures.update({
            "requests": n, "request_kinds": requests,
            "crawl_wall_s": round(wall, 2), "crawl_cpu_s": round(cpu, 2),
            "crawl_cpu_s_per_1000_requests": round(cpu * 1000 / max(n, 1), 2),
            "quiet_requests": quiet_requests.get("requests", 0),
            "quiet_crawl_wall_s": round(quiet_wall, 2), "quiet_crawl_cpu_s": round(quiet_cpu, 2),
            "crawl_digests": crawl_digests(first, site.bases),
        })
        print(f"crawl: {n} requests, {wall:.2f} s, {cpu:.2f} CPU s "
              f"({figures['crawl_cpu_s_per_1000_requests']} per 1,000 requests); quiet re-run "
              f"{figures['quiet_requests']} requests, {quiet_wall:.2f} s, {quiet_cpu:.2f} CPU s",
              flush=True)
        if not args.no_extract:
            figures.update(extract_and_sketch(first, site.bases))
            print(f"extraction {figures['extract_cpu_s_per_1000_pages']} CPU s and sketches "
                  f"{figures['sketch_cpu_s_per_1000_pages']} CPU s per 1,000 pages", flush=True)
    figures["load_average"] = round(os.getloadavg()[0], 2)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
