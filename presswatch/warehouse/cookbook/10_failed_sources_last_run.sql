-- Which sources failed in the last run, and why?
select s.name, s.url, sr.status, sr.reason, s.last_ok_at
from latest_run as r
inner join source_runs as sr on sr.run_id = r.run_id
inner join sources as s on s.source_id = sr.source_id
where sr.status = 'failed'
order by s.url;
