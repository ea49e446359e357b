-- Entities rising and falling: articles mentioning each person, organisation, product or place
-- on the latest day with coverage in the period, against the day with coverage before it.
-- The 12 biggest rises and the 12 biggest falls.
with daily as (
    select day, entity, label, n_articles
    from entity_mentions_daily
    where day >= $since and label in ('PERSON', 'ORG', 'PRODUCT', 'GPE', 'EVENT', 'WORK_OF_ART')
),

days as (
    select
        max(day) as last_day,
        max(day) filter (where day < (select max(day) from daily)) as previous_day
    from daily
),

compared as (
    select
        e.entity,
        e.label,
        d.last_day,
        d.previous_day,
        coalesce(sum(e.n_articles) filter (where e.day = d.last_day), 0) as n_last,
        coalesce(sum(e.n_articles) filter (where e.day = d.previous_day), 0) as n_previous
    from daily as e
    cross join days as d
    where e.day in (d.last_day, d.previous_day)
    group by e.entity, e.label, d.last_day, d.previous_day
),

ranked as (
    select
        *,
        n_last - n_previous as change,
        case when n_last > n_previous then 'rising' else 'falling' end as direction,
        row_number() over (
            partition by n_last > n_previous
            order by abs(n_last - n_previous) desc, n_last + n_previous desc, entity
        ) as rank
    from compared
    where n_last <> n_previous
)

select entity, label, last_day, previous_day, n_last, n_previous, change, direction
from ranked
where rank <= 12
order by direction desc, abs(change) desc, n_last + n_previous desc, entity;
