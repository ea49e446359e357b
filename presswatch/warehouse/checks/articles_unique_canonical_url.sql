-- No canonical URL is stored as two articles.
select canonical_url, count(*) as n_articles, list(article_id) as article_ids
from articles
where canonical_url in (select canonical_url from checked_articles)
group by canonical_url
having count(*) > 1
