-- Attention over time: articles about the story per day (UTC publication day, or the day
-- presswatch found the article when it gives no date), by outlet. The 9 outlets with the most
-- such articles keep their name, the rest are summed as 'Other outlets', so the chart stays
-- readable with hundreds of outlets.
with relevant as (
    select a.day, a.outlet_name as outlet
    from dated_articles($since) as a
    where a.is_relevant
),

ranked as (
    select outlet, row_number() over (order by count(*) desc, outlet) as rank
    from relevant
    group by outlet
)

select
    r.day,
    case when k.rank <= 9 then r.outlet else 'Other outlets' end as outlet,
    count(*) as n_articles
from relevant as r
inner join ranked as k on k.outlet = r.outlet
group by all
order by r.day, n_articles desc, outlet;
