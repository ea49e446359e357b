"""Readers of news archives: WARC files (local, Common Crawl's CC-NEWS), the Wayback Machine's
CDX API, GDELT's DOC 2.0 API, plain URL lists. Plain functions yielding ArchivedPage records;
no Prefect here, so a reader runs on a Dask worker as well as in a test."""
