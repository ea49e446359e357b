-- Which people, organisations and products were in more articles than the day before?
with daily as (
    select
        day,
        entity,
        label,
        n_articles,
        lag(n_articles) over (partition by entity order by day) as previous_day
    from entity_mentions_daily
    where label in ('PERSON', 'ORG', 'PRODUCT')
)

select day, entity, label, n_articles, coalesce(previous_day, 0) as previous_day
from daily
where n_articles > coalesce(previous_day, 0)
order by day desc, n_articles - coalesce(previous_day, 0) desc, entity
limit 15;
