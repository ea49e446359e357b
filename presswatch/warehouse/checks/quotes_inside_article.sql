-- Every quote belongs to a stored article and its offsets point at exactly its words in that article's text (direct, indirect or mixed alike: the content is the span of text the quote occupies).
select q.quote_id, q.article_id, q.kind, q.start_char, q.end_char, q.content,
    substring(a.text, q.start_char + 1, q.end_char - q.start_char) as text_at_offsets
from checked_quotes as q
left join checked_articles as a on a.article_id = q.article_id
where a.article_id is null
    or q.start_char < 0
    or q.end_char > length(a.text)
    or q.start_char >= q.end_char
    or substring(a.text, q.start_char + 1, q.end_char - q.start_char) <> q.content
