-- A statement's article and outlet counts equal what its quotes say.
with counted as (
    select
        q.statement_id,
        count(distinct q.article_id) as n_articles,
        count(distinct a.outlet) as n_outlets
    from quotes as q
    inner join articles as a on a.article_id = q.article_id
    where q.statement_id in (select statement_id from checked_statements)
    group by q.statement_id
)

select s.statement_id, s.n_articles, s.n_outlets,
    coalesce(c.n_articles, 0) as counted_articles, coalesce(c.n_outlets, 0) as counted_outlets
from checked_statements as s
left join counted as c on c.statement_id = s.statement_id
where s.n_articles <> coalesce(c.n_articles, 0) or s.n_outlets <> coalesce(c.n_outlets, 0)
