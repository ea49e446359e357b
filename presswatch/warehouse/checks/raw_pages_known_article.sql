-- Every raw page belongs to a stored article.
select p.article_id
from checked_raw_pages as p
anti join articles as a on a.article_id = p.article_id
