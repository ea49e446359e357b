-- How did coverage volume change after the public launch (9 December 2024)?
select
    case when day < date '2024-12-09' then 'before launch' else 'after launch' end as period,
    count(*) as n_days,
    sum(n_relevant) as relevant_articles,
    round(avg(n_relevant), 1) as relevant_per_day,
    round(avg(n_distinct_stories), 1) as distinct_stories_per_day
from daily_coverage
group by period
order by min(day);
