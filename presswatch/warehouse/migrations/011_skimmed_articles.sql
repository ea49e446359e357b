-- A daily run (and a re-analysis) reads a page that the story's page gate turns away only
-- quickly: it cannot be relevant, so trafilatura's full extraction is spared (the pages off
-- the story are most of a feed's, and the extraction most of their cost). Its text is then a
-- quick read of the page, and it has no syndication sketch. The columns say so.

comment on column articles.text is 'Main text of the article, without navigation or ads; for a page the story''s page gate turned away (see relevance_reasons), a quicker read of the page: its embedded article text, <article> or paragraphs.';
comment on column articles.cluster_id is 'Earliest copy of this text (syndication); equal to article_id for originals; null for a page the story''s page gate turned away (not sketched).';
