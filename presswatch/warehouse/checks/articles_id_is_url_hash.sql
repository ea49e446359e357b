-- Every article_id is the hash of its canonical URL (records.stable_id), so no article can be stored twice under two ids.
select article_id, canonical_url
from checked_articles
where article_id <> left(sha256(canonical_url), 16)
