-- A run row is written at the start of a run and rewritten at its end.
insert into runs by name
select * from batch_runs
on conflict (run_id) do update set
    story_id = excluded.story_id,
    started_at = excluded.started_at,
    finished_at = excluded.finished_at,
    status = excluded.status,
    n_sources = excluded.n_sources,
    n_sources_failed = excluded.n_sources_failed,
    n_pages_fetched = excluded.n_pages_fetched,
    n_articles_added = excluded.n_articles_added,
    n_quotes_added = excluded.n_quotes_added,
    n_statements_new = excluded.n_statements_new,
    message = excluded.message;
