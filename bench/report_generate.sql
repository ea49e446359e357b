-- What bench/report.py adds to the synthetic warehouse of bench/warehouse_generate.sql so that
-- every part of the report has rows: the story, 50 feeds with a result per run (every 7th feed
-- failing), and an alert for one statement in 50 plus a spike alert per run.

insert into stories (story_id, title, start_date, description, relevance_threshold, updated_at)
values ('bench', 'Benchmark story', date '2024-11-01', 'Generated coverage.', 0.5, now());

insert into sources
select
    left(sha256('https://feed.example/' || i), 16), 'feed', 'https://feed.example/' || i,
    'Feed ' || i, null, null, case when i % 7 = 0 then 500 else 200 end,
    case when i % 7 = 0 then 'HTTP 500' end, timestamptz '2024-12-30 00:00:00+00',
    case when i % 7 <> 0 then timestamptz '2024-12-30 00:00:00+00' end
from range(50) as t(i);

insert into source_runs
select
    'run' || r, left(sha256('https://feed.example/' || i), 16),
    case when i % 7 = 0 then 'failed' else 'ok' end, 40, 33, 33, 0,
    case when i % 7 = 0 then 'HTTP 500' end
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
