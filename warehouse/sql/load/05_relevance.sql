update articles set
    relevance_score = r.relevance_score,
    is_relevant = r.is_relevant,
    relevance_reasons = r.relevance_reasons
from batch_relevance as r
where articles.article_id = r.article_id;
