-- Which outlets ran OpenAI's statement, and when?
select
    s.speaker,
    left(s.text, 80) as statement,
    a.outlet,
    min(coalesce(a.published_at, a.first_seen_at)) as ran_at,
    any_value(a.url) as url
from statements as s
inner join quotes as q on q.statement_id = s.statement_id
inner join articles as a on a.article_id = q.article_id
where s.organisation = 'OpenAI'
group by all
order by s.speaker, statement, ran_at;
