-- Every URL the crawl must not fetch again: stored articles' canonical and fetched URLs, and
-- the links (aggregator redirects, tracking variants) that led to one of them.
select canonical_url as url from articles
union
select url from articles
union
select p.url
from pages as p
inner join articles as a on p.final_url in (a.url, a.canonical_url)
