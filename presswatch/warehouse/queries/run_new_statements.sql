-- The statements a run created, with their first article, for the run's Prefect artifacts:
-- the oldest $2 of them (a first run creates thousands; the report lists them all).
-- $1: list of statement ids.
select
    s.speaker,
    coalesce(s.speaker_role, '') as role,
    s.text as statement,
    pw_said_as(s.statement_id, s.text) as said_as,
    coalesce(n.name, a.outlet) as outlet,
    coalesce(a.title, '') as title,
    a.url,
    s.n_outlets
from statements as s
join articles as a on a.article_id = s.first_article_id
left join outlet_names as n on n.outlet = a.outlet
where s.statement_id in (select unnest($1::varchar[]))
order by s.first_seen_at, s.statement_id
limit $2
