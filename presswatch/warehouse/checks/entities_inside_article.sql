-- Every entity belongs to a stored article and its offsets point at its own text in that article.
select e.article_id, e.text, e.start_char, e.end_char,
    substring(a.text, e.start_char + 1, e.end_char - e.start_char) as text_at_offsets
from checked_entities as e
left join checked_articles as a on a.article_id = e.article_id
where a.article_id is null
    or e.start_char < 0
    or e.end_char > length(a.text)
    or e.start_char >= e.end_char
    or substring(a.text, e.start_char + 1, e.end_char - e.start_char) <> e.text
