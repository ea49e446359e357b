"""The local cluster a backfill starts: its workers keep glibc's malloc default, not the
trim threshold Dask's nanny sets, which made every unit cost 1.3-1.4x its CPU there."""

from __future__ import annotations

import os

import dask
from distributed import Client, LocalCluster

from presswatch.flows.backfill import LOCAL_WORKERS


def _seen_by_a_worker() -> tuple[str | None, bool]:
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        trim = client.run(os.environ.get, "MALLOC_TRIM_THRESHOLD_")
        profile = client.run(dask.config.get, "distributed.worker.profile.enabled")
        return next(iter(trim.values())), next(iter(profile.values()))


def test_a_local_worker_runs_without_dasks_malloc_trim_threshold_or_profiler():
    assert os.environ.get("MALLOC_TRIM_THRESHOLD_") is None  # else the control means nothing
    with dask.config.set(LOCAL_WORKERS):
        assert _seen_by_a_worker() == (None, False)
    assert _seen_by_a_worker() == ("65536", True)  # Dask's own start, for contrast
