-- Speakers x outlets: articles of the period in which each outlet quoted each speaker (whole
-- statements and their parts alike). The report lays the most quoted speakers and the outlets
-- quoting most out as a grid.
select
    s.speaker,
    a.outlet_name as outlet,
    count(distinct q.article_id) as n_articles,
    count(distinct coalesce(s.part_of, s.statement_id)) as n_statements
from quotes as q
inner join statements as s on s.statement_id = q.statement_id
inner join dated_articles($since) as a on a.article_id = q.article_id
group by all
order by s.speaker, outlet;
