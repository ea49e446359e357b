-- The stored analysis a re-analysis compares its own with: every quote and its statement.
select q.quote_id, q.article_id, q.content, q.speaker, q.statement_id, s.speaker as statement_speaker
from quotes as q
left join statements as s using (statement_id)
order by q.quote_id
