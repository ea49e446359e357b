-- An article is stored once: the first run that stored it keeps it (and its first_seen_at).
-- A new article lands with its relevance, cluster and analysis status from the same batch, so
-- the common case writes each row once; 06 updates articles stored by earlier batches.
insert into articles by name
select
    a.article_id, a.url, a.canonical_url, a.outlet, a.title, a.authors, a.published_at,
    a.language, a.text, a.word_count, a.fetched_at, current_timestamp as first_seen_at,
    a.source_url, a.run_id, a.site_name, r.relevance_score, r.is_relevant, r.relevance_reasons, c.cluster_id,
    n.nlp_status
from batch_articles as a
left join batch_relevance as r on r.article_id = a.article_id
left join batch_clusters as c on c.article_id = a.article_id
left join batch_analysed as n on n.article_id = a.article_id
on conflict (article_id) do nothing;

insert into raw_pages by name
select article_id, html_gz
from batch_articles
where html_gz is not null
on conflict (article_id) do nothing;
