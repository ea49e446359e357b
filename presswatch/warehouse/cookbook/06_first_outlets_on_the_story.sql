-- Which outlets were first on the story?
select n.name as outlet, min(coalesce(a.published_at, a.first_seen_at)) as first_relevant_at,
    count(*) as relevant_articles
from articles as a
inner join outlet_names as n on n.outlet = a.outlet
where a.is_relevant
group by a.outlet, n.name
order by first_relevant_at
limit 10;
