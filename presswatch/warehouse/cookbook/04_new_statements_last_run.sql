-- What did people say for the first time in the last run?
select t.speaker, left(t.text, 70) as statement, t.first_outlet, t.first_title, t.n_outlets
from statement_timeline as t
inner join statements as s on s.statement_id = t.statement_id
inner join articles as first_article on first_article.article_id = s.first_article_id
where first_article.run_id = (select run_id from latest_run)
order by t.first_seen_at;
