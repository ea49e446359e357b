-- Which outlets were first on the story?
select coalesce(any_value(site_name), outlet) as outlet, min(coalesce(published_at, first_seen_at)) as first_relevant_at,
    count(*) as relevant_articles
from articles
where is_relevant
group by outlet
order by first_relevant_at
limit 10;
