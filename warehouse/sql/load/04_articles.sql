-- An article is stored once: the first run that stored it keeps it (and its first_seen_at).
insert into articles by name
select
    article_id, url, canonical_url, outlet, title, authors, published_at, language, text,
    word_count, fetched_at, current_timestamp as first_seen_at, source_url, run_id
from batch_articles
on conflict (article_id) do nothing;

insert into raw_pages by name
select article_id, html_gz
from batch_articles
where html_gz is not null
on conflict (article_id) do nothing;
