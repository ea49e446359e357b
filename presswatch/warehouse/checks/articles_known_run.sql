-- Every article names a run that exists.
select a.article_id, a.run_id
from checked_articles as a
anti join runs as r on r.run_id = a.run_id
