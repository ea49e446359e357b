-- Clusters whose root changed: a copy published earlier than the stored root arrived late, or
-- a new article joined two stored clusters. Every stored member follows the new root, in the
-- articles and in the stored signatures the next runs match against.
update articles set cluster_id = r.new_cluster_id
from batch_reroots as r
where articles.cluster_id = r.old_cluster_id;

update article_signatures set cluster_id = r.new_cluster_id
from batch_reroots as r
where article_signatures.cluster_id = r.old_cluster_id;
