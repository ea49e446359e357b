-- No two quotes occupy the same span of the same article.
select article_id, start_char, end_char, count(*) as n_quotes, list(quote_id) as quote_ids
from checked_quotes
group by article_id, start_char, end_char
having count(*) > 1
