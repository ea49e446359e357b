-- Every stored article has text and a positive word count (a page without text is a page, not an article).
select article_id, url, word_count, length(text) as text_length
from checked_articles
where trim(text) = '' or word_count <= 0
