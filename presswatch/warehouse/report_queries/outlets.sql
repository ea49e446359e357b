-- Outlets of the period, by name (see the outlet_names view) with where the name came from:
-- articles, articles about the story, quotes and statements, first and last article; and its
-- articles about the story that were not read for quotes (in a language the NLP does not read),
-- so that "Quotes 0" comes with its reason.
with dated as (
    select * from dated_articles($since)
),

quoted as (
    select
        d.outlet,
        count(*) as n_quotes,
        count(distinct q.statement_id) as n_statements
    from quotes as q
    inner join dated as d on d.article_id = q.article_id
    group by d.outlet
)

select
    d.outlet,
    n.name,
    n.named_by,
    count(*) as n_articles,
    count(*) filter (where d.is_relevant) as n_relevant,
    coalesce(any_value(q.n_quotes), 0) as n_quotes,
    coalesce(any_value(q.n_statements), 0) as n_statements,
    count(*) filter (where d.is_relevant and d.nlp_status like 'skipped:language%')
        as n_not_analysed,
    string_agg(distinct d.language, ', ' order by d.language)
        filter (where d.is_relevant and d.nlp_status like 'skipped:language%')
        as not_analysed_languages,
    min(d.seen_at) as first_article_at,
    max(d.seen_at) as last_article_at
from dated as d
inner join outlet_names as n on n.outlet = d.outlet
left join quoted as q on q.outlet = d.outlet
group by d.outlet, n.name, n.named_by
order by n_relevant desc, n_articles desc, n.name;
