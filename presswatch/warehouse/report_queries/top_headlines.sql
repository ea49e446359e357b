-- Top headlines: the period's articles about the story that went furthest: most syndicated
-- copies first (a wire story run by several outlets), then most statements quoted, then the
-- earliest. Copies are not listed again; at most $limit rows.
with dated as (
    select * from dated_articles($since) where is_relevant
),

copies as (
    select cluster_id as article_id, count(*) - 1 as n_copies
    from articles
    where cluster_id is not null
    group by cluster_id
),

quoted as (
    select q.article_id, count(distinct coalesce(s.part_of, s.statement_id)) as n_statements
    from quotes as q
    inner join statements as s on s.statement_id = q.statement_id
    group by q.article_id
)

select
    d.title,
    d.outlet_name as outlet,
    d.url,
    d.seen_at,
    coalesce(c.n_copies, 0) as n_copies,
    coalesce(q.n_statements, 0) as n_statements
from dated as d
left join copies as c on c.article_id = d.article_id
left join quoted as q on q.article_id = d.article_id
where d.cluster_id is null or d.cluster_id = d.article_id
order by n_copies desc, n_statements desc, d.seen_at, d.article_id
limit $limit;
