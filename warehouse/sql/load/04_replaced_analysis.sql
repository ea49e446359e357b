-- An analysed article's entities and quotes are replaced as a whole (the batch carries the new
-- ones), so re-analysing it or re-loading after a crash never leaves stale or doubled rows.
delete from entities where article_id in (select article_id from batch_analysed);
delete from quotes where article_id in (select article_id from batch_analysed);
