-- Every stored article for a re-analysis, in the order the runs stored them: the run's start,
-- then when each was stored. The statement ids a re-analysis gives then come out as a fresh
-- run of the same days would give them (an id comes from the statement's first version).
-- With its raw page where one is kept, for the extraction to read again.
select
    a.article_id, a.url, a.canonical_url, a.outlet, a.title, a.authors, a.published_at,
    a.language, a.text, a.word_count, a.fetched_at, a.source_url, a.site_name, a.run_id,
    p.html_gz
from articles as a
left join runs as r on r.run_id = a.run_id
left join raw_pages as p on p.article_id = a.article_id
order by r.started_at nulls last, a.run_id, a.first_seen_at, a.article_id
