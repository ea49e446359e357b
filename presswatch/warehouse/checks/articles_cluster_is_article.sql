-- A syndication cluster points at a stored article (its earliest copy).
select a.article_id, a.cluster_id
from checked_articles as a
where a.cluster_id is not null
    and a.cluster_id not in (select article_id from articles)
