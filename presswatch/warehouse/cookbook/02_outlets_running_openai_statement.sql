-- Which outlets ran OpenAI's statements, and when did each first appear?
select
    s.speaker,
    left(s.text, 70) as statement,
    count(distinct a.outlet) as n_outlets,
    list(distinct n.name order by n.name) as outlets,
    min(coalesce(a.published_at, a.first_seen_at)) as first_ran_at
from statements as s
inner join quotes as q on q.statement_id = s.statement_id
inner join articles as a on a.article_id = q.article_id
inner join outlet_names as n on n.outlet = a.outlet
where s.organisation = 'OpenAI' or s.speaker = 'OpenAI'
group by s.statement_id, s.speaker, s.text
order by n_outlets desc, first_ran_at;
