-- An analysed article's entities and quotes are replaced as a whole by the batch's: those the
-- batch no longer has are deleted here, the rest upserted by 08 and 09. So re-analysing an
-- article, or re-loading a batch after a crash, never leaves stale or doubled rows.
delete from entities as e
where e.article_id in (select article_id from batch_analysed)
    and not exists (
        select 1 from batch_entities as b
        where b.article_id = e.article_id and b.start_char = e.start_char
            and b.end_char = e.end_char and b.label = e.label
    );

delete from quotes as q
where q.article_id in (select article_id from batch_analysed)
    and q.quote_id not in (select quote_id from batch_quotes);

-- A re-analysis founds stored statements afresh: the old rows go, 07 inserts the new ones.
delete from statements
where statement_id in (select statement_id from batch_refounded_statements);
