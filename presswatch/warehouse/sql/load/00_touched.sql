-- Statements whose counts this batch may change, remembered before 04 deletes replaced quotes.
create or replace temp table touched_statements as
select statement_id from quotes
where article_id in (select article_id from batch_analysed) and statement_id is not null
union
select statement_id from batch_quotes where statement_id is not null
union
select statement_id from batch_statements;
