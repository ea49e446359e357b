-- How did coverage volume change day by day, and after the public launch (9 December 2024)?
select
    day,
    case when day < date '2024-12-09' then 'before launch' else 'after launch' end as period,
    n_relevant,
    n_relevant - lag(n_relevant) over (order by day) as change,
    n_distinct_stories,
    n_outlets
from daily_coverage
order by day;
