-- The search index holds each word of an article once, and only for stored articles.
select article_id, term, count(*) as n_rows, 'repeated term' as problem
from checked_article_terms
group by article_id, term
having count(*) > 1
union all
select t.article_id, t.term, 1, 'article not stored'
from checked_article_terms as t
anti join articles as a on a.article_id = t.article_id
