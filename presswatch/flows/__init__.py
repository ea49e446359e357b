"""Prefect only: the daily and backfill flows, their tasks, artifacts and retry policy.

Each task wraps a plain function of presswatch/runs/; the only Prefect imports live here.
"""
