-- A quote's statement exists.
select q.quote_id, q.statement_id
from checked_quotes as q
where q.statement_id is not null
    and q.statement_id not in (select statement_id from statements)
