-- Relevant articles per UTC day of publication (first seen when the date is unknown).
select
    cast(timezone('UTC', coalesce(published_at, first_seen_at)) as date) as day,
    count(*) as n_articles
from articles
where is_relevant is not false
group by day
order by day
