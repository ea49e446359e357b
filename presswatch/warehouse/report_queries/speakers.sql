-- Per speaker quoted in the period: their statements (a statement and its parts are one), quotes,
-- articles and outlets, and their first appearance (time, outlet, article). A speaker is a
-- statement's speaker (statements.speaker), so every statement of the report has its speaker's
-- page. Ordered by reach.
with per_speaker as (
    select
        speaker,
        mode(speaker_role order by speaker_role) as role,
        count(distinct statement_id) as n_statements,
        count(*) as n_quotes,
        count(distinct article_id) as n_articles,
        count(distinct outlet) as n_outlets,
        list(distinct outlet_name order by outlet_name) as outlets,
        min(seen_at) as first_seen_at,
        max(seen_at) as last_seen_at,
        arg_min(outlet_name, (seen_at, article_id)) as first_outlet,
        arg_min(title, (seen_at, article_id)) as first_title,
        arg_min(url, (seen_at, article_id)) as first_url
    from period_quotes($since)
    group by speaker
),

organisations as (
    select speaker, mode(organisation order by organisation) as organisation
    from statements
    group by speaker
)

select
    left(md5(p.speaker), 16) as speaker_key,
    p.speaker,
    p.role,
    o.organisation,
    p.n_statements,
    p.n_quotes,
    p.n_articles,
    p.n_outlets,
    p.outlets,
    p.first_seen_at,
    p.last_seen_at,
    p.first_outlet,
    p.first_title,
    p.first_url
from per_speaker as p
left join organisations as o on o.speaker = p.speaker
order by p.n_outlets desc, p.n_quotes desc, p.speaker;
