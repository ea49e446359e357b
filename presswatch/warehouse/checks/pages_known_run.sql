-- Every fetch-log row names a run that exists.
select p.url, p.run_id
from checked_pages as p
anti join runs as r on r.run_id = p.run_id
