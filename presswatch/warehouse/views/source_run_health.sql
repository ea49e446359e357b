-- Each source in each run that read it, with its streak of consecutive failed runs up to and
-- including that run, and the streak a run that did not fail ended (it recovered from).
create or replace view source_run_health as
with ordered as (
    select
        sr.source_id,
        sr.run_id,
        r.started_at,
        sr.status,
        sr.reason,
        -- runs that did not fail so far: each one starts a new group of failures after it
        count(*) filter (where sr.status <> 'failed') over (
            partition by sr.source_id order by r.started_at, r.run_id
            rows between unbounded preceding and current row
        ) as n_ok_so_far
    from source_runs as sr
    inner join runs as r on r.run_id = sr.run_id
),

streaks as (
    select
        *,
        case when status = 'failed' then
            row_number() over (
                partition by source_id, n_ok_so_far order by started_at, run_id
            ) - case when n_ok_so_far > 0 then 1 else 0 end
        else 0 end as failed_streak
    from ordered
)

select
    s.source_id,
    s.kind,
    s.url,
    coalesce(s.name, s.url) as name,
    st.run_id,
    st.started_at,
    st.status,
    st.reason,
    st.failed_streak,
    case when st.status = 'failed' then 0 else coalesce(lag(st.failed_streak) over (
        partition by st.source_id order by st.started_at, st.run_id
    ), 0) end as recovered_after
from streaks as st
inner join sources as s on s.source_id = st.source_id;

comment on view source_run_health is 'Each feed and sitemap in each run that read it, with how many runs in a row it has failed.';
comment on column source_run_health.source_id is 'The source (see sources).';
comment on column source_run_health.kind is 'feed or sitemap.';
comment on column source_run_health.url is 'Address of the feed or sitemap.';
comment on column source_run_health.name is 'Name given in the story file, else the address.';
comment on column source_run_health.run_id is 'The run (see runs).';
comment on column source_run_health.started_at is 'When that run started (UTC).';
comment on column source_run_health.status is 'ok, not_modified (HTTP 304), not_used (the story does not opt in, e.g. Google News) or failed.';
comment on column source_run_health.reason is 'Why the source failed in that run, or why it was not used.';
comment on column source_run_health.failed_streak is 'Runs in a row, up to and including this one, in which it failed (0 when it did not fail).';
comment on column source_run_health.recovered_after is 'When it did not fail in this run: how many runs in a row it had failed before (0 if none).';
