create or replace view latest_run as
with last as (
    select * from runs
    order by started_at desc, run_id desc
    limit 1
),

failed as (
    select
        sr.run_id,
        list(s.url || ': ' || coalesce(sr.reason, 'failed') order by s.url) as failed_sources
    from source_runs as sr
    inner join sources as s on s.source_id = sr.source_id
    where sr.status = 'failed'
    group by sr.run_id
)

select
    l.run_id,
    l.story_id,
    l.status,
    l.started_at,
    l.finished_at,
    date_diff('second', l.started_at, l.finished_at) as duration_s,
    l.n_sources,
    l.n_sources_failed,
    l.n_pages_fetched,
    l.n_articles_added,
    l.n_quotes_added,
    l.n_statements_new,
    coalesce(f.failed_sources, []) as failed_sources,
    l.message
from last as l
left join failed as f on f.run_id = l.run_id;

comment on view latest_run is 'What the last run did: when, how it ended, what it added and which sources failed.';
comment on column latest_run.run_id is 'The run (see runs).';
comment on column latest_run.story_id is 'The story it followed.';
comment on column latest_run.status is 'running, ok, partial (some sources failed) or failed.';
comment on column latest_run.started_at is 'When it started (UTC).';
comment on column latest_run.finished_at is 'When it ended (UTC); empty while it runs or if it died.';
comment on column latest_run.duration_s is 'How long it took, in seconds.';
comment on column latest_run.n_sources is 'Feeds and sitemaps read.';
comment on column latest_run.n_sources_failed is 'Feeds and sitemaps that failed.';
comment on column latest_run.n_pages_fetched is 'Pages downloaded.';
comment on column latest_run.n_articles_added is 'Articles stored for the first time.';
comment on column latest_run.n_quotes_added is 'Quotes stored.';
comment on column latest_run.n_statements_new is 'Statements seen for the first time.';
comment on column latest_run.failed_sources is 'Each failed source with its reason.';
comment on column latest_run.message is 'What went wrong, when something did.';
