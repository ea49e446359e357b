-- Which statements travelled furthest, and how fast?
select speaker, left(text, 80) as statement, n_outlets, n_articles, n_days, spread_hours,
    first_outlet
from statement_timeline
order by n_outlets desc, n_articles desc
limit 10;
