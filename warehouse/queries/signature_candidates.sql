-- Stored signatures that may be copies of new articles: same text hash or a shared LSH band,
-- plus the roots of their clusters (a cluster is represented by its earliest member).
-- $1: text hashes, $2: band keys.
with matched as (
    select article_id from article_signatures where list_contains($1, text_hash)
    union
    select article_id from signature_bands where list_contains($2, band_key)
),
with_roots as (
    select article_id from matched
    union
    select s.cluster_id from article_signatures as s join matched using (article_id)
)
select s.article_id, s.published_at, s.first_seen_at, s.text_hash, s.n_shingles, s.minhash,
       s.cluster_id
from article_signatures as s
join with_roots using (article_id)
