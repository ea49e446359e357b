-- A statement's first article exists.
select s.statement_id, s.first_article_id
from checked_statements as s
anti join articles as a on a.article_id = s.first_article_id
