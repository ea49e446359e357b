-- Relevance is either unscored (both empty) or scored (score and flag both set).
select article_id, relevance_score, is_relevant
from checked_articles
where (relevance_score is null) <> (is_relevant is null)
