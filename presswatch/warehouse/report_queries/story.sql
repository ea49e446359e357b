-- The story the report is about (the latest run's), its runs and its totals.
with last_run as (
    select * from latest_run
),

story as (
    select
        l.story_id,
        coalesce(s.title, l.story_id) as title,
        s.start_date,
        s.description,
        coalesce(s.relevance_threshold, 0.5) as relevance_threshold
    from last_run as l
    left join stories as s on s.story_id = l.story_id
),

previous_run as (
    select r.run_id, r.started_at, r.status
    from runs as r, last_run as l
    where r.started_at < l.started_at
    order by r.started_at desc, r.run_id desc
    limit 1
),

dated as (
    select * from dated_articles($since)
)

select
    story.*,
    l.run_id as last_run_id,
    l.status as last_run_status,
    l.started_at as last_run_started_at,
    l.finished_at as last_run_finished_at,
    l.n_articles_added as last_run_articles_added,
    l.n_statements_new as last_run_statements_new,
    l.n_sources as last_run_sources,
    l.n_sources_failed as last_run_sources_failed,
    p.run_id as previous_run_id,
    p.started_at as previous_run_started_at,
    (select count(*) from runs) as n_runs,
    (select count(*) from dated) as n_articles,
    (select count(*) from dated where is_relevant) as n_relevant,
    (select count(distinct outlet) from dated where is_relevant) as n_outlets,
    (select min(day) from dated) as first_day,
    (select max(day) from dated) as last_day,
    -- A statement and its parts (statements.part_of) are one, as in the who-said-what table.
    (select count(distinct coalesce(s.part_of, s.statement_id)) from quotes as q
        semi join dated using (article_id)
        inner join statements as s on s.statement_id = q.statement_id) as n_statements,
    (select count(distinct s.speaker) from quotes as q semi join dated using (article_id)
        inner join statements as s on s.statement_id = q.statement_id) as n_speakers,
    (select count(*) from alerts) as n_alerts
from story
cross join last_run as l
left join previous_run as p on true;
