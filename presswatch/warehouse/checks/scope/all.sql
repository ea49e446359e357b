-- Scope "everything": the relations the checks read are the whole tables (a full check).
create or replace temp view checked_articles as select * from articles;
create or replace temp view checked_article_ids as select article_id from articles;
create or replace temp view checked_quotes as select * from quotes;
create or replace temp view checked_entities as select * from entities;
create or replace temp view checked_article_terms as select * from article_terms;
create or replace temp view checked_raw_pages as select article_id from raw_pages;
create or replace temp view checked_pages as select * from pages;
create or replace temp view checked_runs as select * from runs;
create or replace temp view checked_source_runs as select * from source_runs;
create or replace temp view checked_statements as select * from statements;
