-- Quotes have a known kind and a confidence between 0 and 1.
select quote_id, kind, confidence
from checked_quotes
where kind not in ('direct', 'indirect', 'mixed')
    or confidence < 0 or confidence > 1 or confidence is null
