-- The vocabularies of statements a re-analysis no longer has, once no quote names them.
-- $ids: their statement ids. Runs before reanalysis_remove_statements.sql.
delete from statement_fingerprints
where statement_id in (select unnest($ids::varchar[]))
    and statement_id not in (select statement_id from quotes where statement_id is not null)
