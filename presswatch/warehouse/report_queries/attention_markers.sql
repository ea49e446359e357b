-- Marks on the attention chart: the story's start date (from the story file, else the first
-- day with an article about the story) and the days alerts were about: a statement alert marks
-- the day its statement first appeared, a spike alert its day, a digest the latest article it
-- lists (the day it was raised when it lists none). One row per day and kind, with when the
-- alerts were raised.
with story as (
    select s.start_date
    from latest_run as l
    left join stories as s on s.story_id = l.story_id
),

start_day as (
    select coalesce(
        (select start_date from story),
        (select min(pw_day(coalesce(published_at, first_seen_at))) from articles where is_relevant)
    ) as day
),

alert_days as (
    select
        coalesce(key, alert_id) as alert_key,
        case when al.statement_id is not null then 'new statement' else al.rule end as rule,
        created_at,
        coalesce(
            pw_day(st.first_seen_at),
            try_cast(json_extract_string(al.payload, '$.spike.day') as date),
            (select max(pw_day(try_cast(p as timestamptz))) from (
                select unnest(json_extract_string(al.payload, '$.items[*].published_at')) as p
            )),
            pw_day(al.created_at)
        ) as about_day
    from (
        select *, json_extract_string(payload, '$.key') as key from alerts
    ) as al
    left join statements as st on st.statement_id = al.statement_id
)

select day, 'story start' as kind, 1 as n, 'Story starts' as label, null as rules, null as raised
from start_day
where day is not null and day >= $since
union all
select
    about_day as day,
    'alert' as kind,
    count(distinct alert_key) as n,
    count(distinct alert_key) || ' alert' || case when count(distinct alert_key) > 1
        then 's' else '' end as label,
    string_agg(distinct rule, ', ' order by rule) as rules,
    strftime(max(created_at), '%Y-%m-%d %H:%M UTC') as raised
from alert_days
where about_day >= $since
group by about_day
order by day, kind;
