-- What bench/report.py adds to the synthetic warehouse of bench/warehouse_generate.sql so that
-- every part of the report has rows: the story, 50 feeds with a result per run (every 7th feed
-- failing), and an alert for one statement in 50 plus a spike alert per run. Every insert names
-- its columns, so a column a later migration adds (with a default or nullable) breaks nothing.

insert into stories by name
select
    'bench' as story_id, 'Benchmark story' as title, date '2024-11-01' as start_date,
    'Generated coverage.' as description, 0.5 as relevance_threshold, now() as updated_at;

insert into sources by name
select
    left(sha256('https://feed.example/' || i), 16) as source_id, 'feed' as kind,
    'https://feed.example/' || i as url, 'Feed ' || i as name,
    case when i % 7 = 0 then 500 else 200 end as last_status,
    case when i % 7 = 0 then 'HTTP 500' end as last_error,
    timestamptz '2024-12-30 00:00:00+00' as last_checked_at,
    case when i % 7 <> 0 then timestamptz '2024-12-30 00:00:00+00' end as last_ok_at
from range(50) as t(i);

insert into source_runs by name
select
    'run' || r as run_id, left(sha256('https://feed.example/' || i), 16) as source_id,
    case when i % 7 = 0 then 'failed' else 'ok' end as status, 40 as n_candidates,
    33 as n_new, 33 as n_fetched, 0 as n_failed,
    case when i % 7 = 0 then 'HTTP 500' end as reason
from range(50) as t(i), range(30) as u(r);

insert into alerts by name
select
    'a' || statement_id as alert_id, statement_id, 'all' as rule, 'webhook' as channel,
    first_seen_at + interval 1 day as created_at, 'delivered' as status, 1 as attempts,
    first_seen_at + interval 1 day as delivered_at, '{}' as payload
from statements
where hash(statement_id) % 50 = 0;

insert into alerts by name
select
    'spike' || r as alert_id, 'spike' as rule, 'webhook' as channel, started_at as created_at,
    'delivered' as status, 1 as attempts, started_at as delivered_at,
    json_object('key', 'spike:bench:' || r, 'spike',
                json_object('day', strftime(started_at - interval 1 day, '%Y-%m-%d'))) as payload
from (select row_number() over (order by started_at) as r, started_at from runs);
