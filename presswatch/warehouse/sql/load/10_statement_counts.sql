-- n_articles and n_outlets are derived from the quotes, recounted for every statement this batch
-- touched (new quotes, new statements, or articles whose quotes were replaced).
-- Runs when the batch has rows in batch_quotes, batch_statements or batch_analysed.
update statements set
    n_articles = counts.n_articles,
    n_outlets = counts.n_outlets
from (
    select
        s.statement_id,
        count(distinct q.article_id) as n_articles,
        count(distinct a.outlet) as n_outlets
    from statements as s
    left join quotes as q on q.statement_id = s.statement_id
    left join articles as a on a.article_id = q.article_id
    where s.statement_id in (select statement_id from touched_statements)
    group by s.statement_id
) as counts
where statements.statement_id = counts.statement_id;
