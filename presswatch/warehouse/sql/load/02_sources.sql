-- Conditional-GET state survives a failed or unchanged fetch: a failure or a 304 without
-- validators keeps the last ETag / Last-Modified, so the next run can still ask "changed since?".
insert into sources by name
select
    source_id, kind, url, name, etag, last_modified, last_status, last_error, last_checked_at,
    case when last_error is null then last_checked_at end as last_ok_at
from batch_sources
on conflict (source_id) do update set
    kind = excluded.kind,
    url = excluded.url,
    name = coalesce(excluded.name, sources.name),
    etag = case when excluded.last_error is null
        then coalesce(excluded.etag, sources.etag) else sources.etag end,
    last_modified = case when excluded.last_error is null
        then coalesce(excluded.last_modified, sources.last_modified) else sources.last_modified end,
    last_status = excluded.last_status,
    last_error = excluded.last_error,
    last_checked_at = excluded.last_checked_at,
    last_ok_at = coalesce(excluded.last_ok_at, sources.last_ok_at);

insert into source_runs by name
select
    run_id, source_id, status, n_candidates, n_new, n_fetched, n_failed, reason
from batch_sources
on conflict (run_id, source_id) do update set
    status = excluded.status,
    n_candidates = excluded.n_candidates,
    n_new = excluded.n_new,
    n_fetched = excluded.n_fetched,
    n_failed = excluded.n_failed,
    reason = excluded.reason;
