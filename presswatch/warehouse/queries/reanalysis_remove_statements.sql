-- Statements a re-analysis no longer has, once no quote names them. $ids: their statement ids.
delete from statements
where statement_id in (select unnest($ids::varchar[]))
    and statement_id not in (select statement_id from quotes where statement_id is not null)
