-- Stored entity mentions by key, to count what a re-analysis adds and removes.
select article_id, start_char, end_char, label, canonical from entities
