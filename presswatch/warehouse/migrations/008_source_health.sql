-- How many runs in a row a feed or sitemap must fail before the run summary, the report and an
-- alert name it (the story file's [alerts] failing_source_runs), kept so the report reads it.
alter table stories add column failing_source_runs integer;

comment on column stories.failing_source_runs is 'Runs in a row a source must fail before the summary, the report and an alert name it.';
