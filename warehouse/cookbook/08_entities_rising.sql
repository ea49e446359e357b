-- Which names were mentioned more than the day before?
with daily as (
    select
        day,
        entity,
        n_articles,
        lag(n_articles) over (partition by entity order by day) as previous_day
    from entity_mentions_daily
)

select day, entity, n_articles, coalesce(previous_day, 0) as previous_day
from daily
where n_articles > coalesce(previous_day, 0)
order by day desc, n_articles - coalesce(previous_day, 0) desc
limit 20;
