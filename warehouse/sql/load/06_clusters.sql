update articles set cluster_id = c.cluster_id
from batch_clusters as c
where articles.article_id = c.article_id;
