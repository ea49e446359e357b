-- What did people say for the first time in the last run?
select t.speaker, t.speaker_role, t.text, t.first_outlet, t.first_url, t.n_outlets
from statement_timeline as t
where t.first_seen_at >= (select started_at from latest_run)
order by t.first_seen_at;
