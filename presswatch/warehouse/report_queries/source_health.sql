-- Source health: each feed and sitemap with its last success and last error, and what it
-- listed (entries) in each of its last 10 runs, oldest first. Failing sources first. A source
-- that failed on each of its last N runs (the story's [alerts] failing_source_runs) is
-- is_long_failing; one whose latest run ended such a streak has_recovered.
with recent as (
    select
        sr.source_id,
        r.started_at,
        sr.status,
        sr.n_candidates,
        sr.n_new,
        sr.n_fetched,
        sr.n_failed,
        row_number() over (partition by sr.source_id order by r.started_at desc, r.run_id desc)
            as age
    from source_runs as sr
    inner join runs as r on r.run_id = sr.run_id
),

latest_health as (
    select source_id, failed_streak, recovered_after
    from source_run_health
    qualify row_number() over (partition by source_id order by started_at desc, run_id desc) = 1
),

threshold as (
    select coalesce(max(failing_source_runs), 3) as failing_source_runs from stories
)

select
    s.source_id,
    s.kind,
    coalesce(s.name, s.url) as name,
    s.url,
    s.last_checked_at,
    s.last_ok_at,
    s.last_status,
    s.last_error,
    s.last_error is not null as failing,
    count(r.source_id) as n_runs,
    count(r.source_id) filter (where r.status = 'failed') as n_failed_runs,
    list(r.n_candidates order by r.started_at) filter (where r.age <= 10) as entries_per_run,
    list(r.status order by r.started_at) filter (where r.age <= 10) as status_per_run,
    sum(r.n_new) as n_new,
    sum(r.n_fetched) as n_fetched,
    sum(r.n_failed) as n_page_failures,
    coalesce(h.failed_streak, 0) as failed_streak,
    coalesce(h.recovered_after, 0) as recovered_after,
    coalesce(h.failed_streak, 0) >= t.failing_source_runs as is_long_failing,
    coalesce(h.recovered_after, 0) >= t.failing_source_runs as has_recovered
from sources as s
cross join threshold as t
left join recent as r on r.source_id = s.source_id
left join latest_health as h on h.source_id = s.source_id
group by all
order by failing desc, s.kind, name, s.url;
