-- Add articles not yet in the search index: their words (title and text) with counts, and their
-- length. Runs in one transaction, so an article is indexed completely or not at all.
create or replace temp table pending_index as
select
    a.article_id,
    pw_tokens(coalesce(a.title, '') || ' ' || a.text) as tokens
from articles as a
anti join article_lengths as l on l.article_id = a.article_id;

insert into article_terms
select article_id, term, count(*)::integer as tf
from (select article_id, unnest(tokens) as term from pending_index)
group by article_id, term;

insert into article_lengths
select article_id, len(tokens), current_timestamp
from pending_index;
