-- Every fetch-log row names a run that exists.
select p.url, p.run_id
from pages as p
anti join runs as r on r.run_id = p.run_id
