-- No article is published after it was fetched, and nothing was fetched or stored in the future.
select article_id, url, published_at, fetched_at, first_seen_at
from checked_articles
where published_at > fetched_at
    or fetched_at > current_timestamp + interval 5 minute
    or first_seen_at > current_timestamp + interval 5 minute
