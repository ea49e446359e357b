-- Stored statements with their alert judgement: judged (and the alert they went into) or not.
select
    s.statement_id, s.speaker, s.text, j.statement_id is not null as is_judged, j.alert_key
from statements as s
left join alert_judged_statements as j using (statement_id)
order by s.statement_id
