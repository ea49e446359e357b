-- Every Google News link decoded, or tried, by earlier runs.
select link_url, source_url, publisher_url, error, n_attempts, first_tried_at, last_tried_at
from link_decodes
