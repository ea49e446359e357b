-- Remember that these statements were judged, and which alert each went into (null: none).
insert into alert_judged_statements (statement_id, story_id, run_id, judged_at, alert_key)
select unnest($statement_ids), $story_id, $run_id, $judged_at, unnest($alert_keys)
on conflict (statement_id) do nothing
