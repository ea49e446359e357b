-- Who said what: every statement quoted in an article of the period, with its speaker, where and
-- when it first appeared, and how far it spread (articles and outlets quoting it in the period),
-- newest-run and alert state. A statement is shown whole: the quotes of its parts
-- (statements.part_of: excerpts of it quoted alone) count as quotes of it. Ordered by
-- reach. speaker_key and statement_key name the report's page files (hashes, never page text).
with appearances as (
    select
        statement_id,
        article_id,
        outlet,
        title,
        url,
        run_id,
        outlet_name,
        seen_at,
        row_number() over (partition by statement_id order by seen_at, article_id) as position
    from period_quotes($since)
),

spread as (
    select
        statement_id,
        count(distinct article_id) as n_articles,
        count(distinct outlet) as n_outlets,
        list(distinct outlet_name order by outlet_name) as outlets,
        min(seen_at) as first_seen_at,
        max(seen_at) as last_seen_at
    from appearances
    group by statement_id
),

first_appearance as (
    select * from appearances where position = 1
),

last_run as (
    select run_id from latest_run
)

select
    s.statement_id,
    case when regexp_full_match(s.statement_id, '[0-9A-Za-z_-]{1,64}') then s.statement_id
        else left(md5(s.statement_id), 16) end as statement_key,
    s.speaker,
    left(md5(s.speaker), 16) as speaker_key,
    s.speaker_role,
    s.organisation,
    s.text,
    pw_said_as(s.statement_id, s.text) as said_as,
    sp.first_seen_at,
    sp.last_seen_at,
    f.outlet_name as first_outlet,
    f.title as first_title,
    f.url as first_url,
    sp.n_articles,
    sp.n_outlets,
    sp.outlets,
    date_diff('hour', sp.first_seen_at, sp.last_seen_at) as spread_hours,
    first_article.run_id = (select run_id from last_run) as is_new,
    coalesce(al.alerts, []) as alerts
from statements as s
inner join spread as sp on sp.statement_id = s.statement_id
inner join first_appearance as f on f.statement_id = s.statement_id
left join articles as first_article on first_article.article_id = s.first_article_id
left join statement_alert_labels as al on al.statement_id = s.statement_id
order by sp.n_outlets desc, sp.n_articles desc, sp.first_seen_at, s.statement_id;
