-- Stored articles whose raw page a re-analysis extracted again to another text: the text and
-- its metadata are replaced (the id, URLs, run and first sighting stay), and what was derived
-- from the old text goes: its search-index rows (the next publish indexes the new text) and
-- its signature bands (the batch brings the new ones with the new signature).
update articles set
    outlet = u.outlet,
    title = u.title,
    authors = u.authors,
    published_at = u.published_at,
    language = u.language,
    text = u.text,
    word_count = u.word_count,
    site_name = u.site_name
from batch_updated_articles as u
where articles.article_id = u.article_id;

delete from article_terms
where article_id in (select article_id from batch_updated_articles);

delete from article_lengths
where article_id in (select article_id from batch_updated_articles);

delete from signature_bands
where article_id in (select article_id from batch_updated_articles);
