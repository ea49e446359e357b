-- Relevance, syndication cluster and analysis status of articles stored earlier; rows already
-- holding these values (new articles, a re-run) are left alone.
update articles set
    relevance_score = r.relevance_score,
    is_relevant = r.is_relevant,
    relevance_reasons = r.relevance_reasons
from batch_relevance as r
where articles.article_id = r.article_id
    and (articles.relevance_score is distinct from r.relevance_score
        or articles.is_relevant is distinct from r.is_relevant
        or articles.relevance_reasons is distinct from r.relevance_reasons);

update articles set cluster_id = c.cluster_id
from batch_clusters as c
where articles.article_id = c.article_id
    and articles.cluster_id is distinct from c.cluster_id;

update articles set nlp_status = n.nlp_status
from batch_analysed as n
where articles.article_id = n.article_id
    and articles.nlp_status is distinct from n.nlp_status;
