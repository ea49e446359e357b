-- A Google News link has either its publisher's URL or the reason it has none, at least one
-- attempt, and was not last tried before it was first tried.
select link_url, publisher_url, error, n_attempts
from link_decodes
where (publisher_url is null) = (error is null)
    or n_attempts < 1
    or last_tried_at < first_tried_at
