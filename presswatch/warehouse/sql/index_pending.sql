-- The next $chunk_size articles not yet in the search index, in table order (row_id: the
-- rowid, stable within the transaction that indexes them). index_articles.sql indexes them and
-- commits before the next chunk, so a day of 10,000 articles holds the words of one chunk in
-- memory at a time, and each chunk reads only the row groups that hold its articles.
create or replace temp table pending_index as
select a.article_id, a.rowid as row_id
from articles as a
anti join article_lengths as l on l.article_id = a.article_id
order by a.rowid
limit $chunk_size;
