-- Every stored statement's vocabulary, to rebuild the statement index at the start of a run.
select statement_id, words from statement_fingerprints order by statement_id
