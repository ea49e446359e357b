-- Every quote in an article of the period (dated_articles), with the whole statement it counts
-- for (statement_id: its own statement, or the one that statement is a part of, statements.
-- part_of), that statement's speaker and role, the quote's own columns and the article's. The
-- report's statements, speakers and statement appearances read the period's quotes through it:
-- select statement_id, outlet_name from period_quotes(date '2026-01-01').
create or replace macro period_quotes(since) as table
    select
        coalesce(s.part_of, s.statement_id) as statement_id,
        s.speaker,
        s.speaker_role,
        q.quote_id,
        q.kind,
        q.cue,
        q.speaker_text,
        q.content,
        q.confidence,
        q.start_char,
        q.end_char,
        a.*
    from quotes as q
    inner join statements as s on s.statement_id = q.statement_id
    inner join dated_articles(since) as a on a.article_id = q.article_id;
