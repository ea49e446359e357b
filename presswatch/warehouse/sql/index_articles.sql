-- Add the articles of pending_index (index_pending.sql; their first and last row_id in the
-- variables index_first_row and index_last_row) to the search index: their words (title and
-- text) with counts, and their length. One transaction, so an article is indexed completely
-- or not at all.
create or replace temp table chunk_tokens as
select
    a.article_id,
    pw_tokens(coalesce(a.title, '') || ' ' || a.text) as tokens
from articles as a
semi join pending_index as p on p.article_id = a.article_id
where a.rowid between getvariable('index_first_row') and getvariable('index_last_row');

insert into article_terms
select article_id, term, count(*)::integer as tf
from (select article_id, unnest(tokens) as term from chunk_tokens)
group by article_id, term;

insert into article_lengths
select article_id, len(tokens), current_timestamp
from chunk_tokens;

drop table chunk_tokens;
