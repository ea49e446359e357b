-- How many articles this batch scores, clusters or analyses were stored before it: when none
-- were (the usual case: new articles analysed in the batch that stores them), the load skips
-- the steps that only rewrite earlier articles (04_replaced_analysis, 06_article_updates).
select count(*)
from (
    select article_id from batch_relevance
    union
    select article_id from batch_clusters
    union
    select article_id from batch_analysed
) as touched
semi join articles on articles.article_id = touched.article_id;
