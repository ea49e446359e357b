-- Scope "one run": the relations the checks read hold only what the run named by the variable
-- checked_run_id wrote, so the end-of-run checks cost what the run added, not the warehouse.
-- Rows no run can be traced to (a raw page without its article) are read in every scope.
-- In both scopes checked_quotes and checked_entities belong to checked_articles (or to no
-- article), so the checks look their text up there rather than in all of articles.
create or replace temp view checked_articles as
select * from articles where run_id = getvariable('checked_run_id');

create or replace temp view checked_article_ids as
select article_id from articles where run_id = getvariable('checked_run_id');

create or replace temp view checked_quotes as
select * from quotes where article_id in (select article_id from checked_article_ids);

create or replace temp view checked_entities as
select * from entities where article_id in (select article_id from checked_article_ids);

create or replace temp view checked_article_terms as
select * from article_terms where article_id in (select article_id from checked_article_ids);

create or replace temp view checked_raw_pages as
select article_id from raw_pages
where article_id in (select article_id from checked_article_ids)
    or article_id not in (select article_id from articles);

create or replace temp view checked_pages as
select * from pages where run_id = getvariable('checked_run_id');

create or replace temp view checked_runs as
select * from runs where run_id = getvariable('checked_run_id');

create or replace temp view checked_source_runs as
select * from source_runs where run_id = getvariable('checked_run_id');

create or replace temp view checked_statements as
select * from statements
where statement_id in (select statement_id from checked_quotes)
    or first_article_id in (select article_id from checked_article_ids);
