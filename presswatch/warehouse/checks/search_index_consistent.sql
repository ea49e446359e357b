-- The search index holds each word of an article once, and only for stored articles.
-- Repeats are sought by an 8-byte hash of (article, word) first, then confirmed on the few
-- suspects: grouping millions of (article, word) strings held 270 MB for a day of 10,000
-- articles.
with suspects as (
    select hash(article_id, term) as h
    from checked_article_terms
    group by h
    having count(*) > 1
)

select article_id, term, count(*) as n_rows, 'repeated term' as problem
from checked_article_terms
where hash(article_id, term) in (select h from suspects)
group by article_id, term
having count(*) > 1
union all
select t.article_id, t.term, 1, 'article not stored'
from checked_article_terms as t
anti join articles as a on a.article_id = t.article_id
