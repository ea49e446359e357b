-- Has the story's alert baseline been set by another run: a run that finished (ok or partial),
-- or one that got as far as judging statements before it died? If not, this run sets it.
select
    exists (
        select 1
        from runs
        where story_id = $story_id and run_id <> $run_id and status in ('ok', 'partial')
    )
    or exists (
        select 1
        from alert_judged_statements
        where story_id = $story_id and run_id <> $run_id
    ) as is_baseline_set
