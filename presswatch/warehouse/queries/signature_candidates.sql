-- Stored signatures that may be copies of new articles: same text hash or a shared LSH band,
-- plus the roots of their clusters (a cluster is represented by its earliest member).
-- $1: text hashes, $2: band keys. Joins on the unnested keys (hash joins), not a list_contains
-- test on every stored row.
with wanted_hashes as (
    select unnest($1::varchar[]) as text_hash
),

wanted_bands as (
    select unnest($2::varchar[]) as band_key
),

matched as (
    select s.article_id
    from article_signatures as s
    inner join wanted_hashes as w on w.text_hash = s.text_hash
    union
    select b.article_id
    from signature_bands as b
    inner join wanted_bands as w on w.band_key = b.band_key
),

with_roots as (
    select article_id from matched
    union
    select s.cluster_id from article_signatures as s inner join matched using (article_id)
)

select
    s.article_id, s.published_at, s.first_seen_at, s.text_hash, s.n_shingles, s.minhash,
    s.cluster_id
from article_signatures as s
inner join with_roots using (article_id)
