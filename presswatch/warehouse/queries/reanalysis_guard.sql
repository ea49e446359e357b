-- What a run writing meanwhile would change: its runs row and its articles. A re-analysis
-- reads this before its work and again before each of its writes; a difference means a run
-- loaded in between, and the re-analysis stops instead of writing over it.
select
    (select string_agg(run_id || ':' || status, ',' order by run_id) from runs) as run_ledger,
    (select count(*) from articles) as n_articles
