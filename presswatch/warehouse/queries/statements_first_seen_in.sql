-- Statements whose first appearance is one of these articles: what a backfill unit added,
-- found again from the rows themselves after a kill.
select statement_id
from statements
where first_article_id in (select unnest($article_ids))
order by statement_id
