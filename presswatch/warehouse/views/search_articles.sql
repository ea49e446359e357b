-- search_articles('query'): articles ranked by BM25 (k1 = 1.2, b = 0.75) over title and text.
-- The query is split into words the same way the index was (pw_tokens); every word counts, an
-- article needs at least one. The snippet (text around the first word found) is given for the
-- 100 best; rank 1 is the best. Example:
--   select title, outlet, score, snippet from search_articles('leaked sora api') limit 10;

create or replace macro search_articles(q) as table
with query_terms as (
    select distinct unnest(pw_tokens(q)) as term
),

corpus as (
    select count(*) as n_docs, coalesce(avg(doc_length), 1) as avg_length
    from article_lengths
),

matches as (
    select t.article_id, t.term, t.tf
    from article_terms as t
    semi join query_terms as qt on qt.term = t.term
),

document_frequency as (
    select term, count(*) as df
    from matches
    group by term
),

scored as (
    select
        m.article_id,
        sum(
            ln(1 + (c.n_docs - d.df + 0.5) / (d.df + 0.5))
            * m.tf * (1.2 + 1)
            / (m.tf + 1.2 * (1 - 0.75 + 0.75 * l.doc_length / c.avg_length))
        ) as score,
        count(*) as n_terms_matched
    from matches as m
    inner join document_frequency as d on d.term = m.term
    inner join article_lengths as l on l.article_id = m.article_id
    cross join corpus as c
    group by m.article_id
),

ranked as (
    select
        s.*,
        row_number() over (order by s.score desc, s.article_id) as rank
    from scored as s
),

-- A window of text around the first query word found (for the 100 best), cut at whole words.
windows as (
    select
        r.article_id,
        greatest(1, coalesce(list_min(list_filter(
            list_transform(pw_tokens(q), lambda t: instr(strip_accents(lower(a.text)), t)),
            lambda p: p > 0
        )), 1) - 80) as window_start,
        length(a.text) as text_length
    from ranked as r
    inner join articles as a on a.article_id = r.article_id
    where r.rank <= 100
)

select
    r.rank,
    a.article_id,
    a.title,
    coalesce(n.name, a.outlet) as outlet,
    a.url,
    a.published_at,
    a.is_relevant,
    r.score,
    r.n_terms_matched,
    case when w.article_id is not null then trim(regexp_replace(regexp_replace(regexp_replace(
        substring(a.text, w.window_start, 240),
        case when w.window_start > 1 then '^\S*\s' else '^$' end, ''),
        case when w.window_start + 240 <= w.text_length then '\s\S*$' else '^$' end, ''),
        '\s+', ' ', 'g')) end as snippet
from ranked as r
inner join articles as a on a.article_id = r.article_id
left join outlet_names as n on n.outlet = a.outlet
left join windows as w on w.article_id = r.article_id
order by r.rank;
