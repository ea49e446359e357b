-- What the analysis of a run reads, in one row: if this row is the same when a staged run is
-- loaded as when its analysis read the file, nobody wrote in between and the staged statement
-- ids, clusters and "new article" decisions still hold. Only runs write these tables, and a
-- re-analysis (presswatch reanalyse), which may re-key statements and leave their count as
-- it was: its ids are in the row too (a file older than migration 009 gives no digest).
select
    (select string_agg(run_id || ':' || status, ',' order by run_id) from runs) as run_ledger,
    (select count(*) from articles) as n_articles,
    (select count(*) from articles where nlp_status is null) as n_articles_pending,
    (select count(*) from statements) as n_statements,
    (select count(*) from quotes) as n_quotes,
    (select count(*) from article_signatures) as n_signatures,
    (select cast(max(last_checked_at) as varchar) from sources) as sources_checked_at,
    (select string_agg(reanalysis_id, ',' order by reanalysis_id) from reanalyses) as reanalyses
