-- Unchanged rows (a re-load of the same batch) are not rewritten.
insert into quotes by name
select * from batch_quotes
on conflict (quote_id) do update set
    article_id = excluded.article_id,
    content = excluded.content,
    cue = excluded.cue,
    kind = excluded.kind,
    speaker_text = excluded.speaker_text,
    speaker = excluded.speaker,
    speaker_role = excluded.speaker_role,
    start_char = excluded.start_char,
    end_char = excluded.end_char,
    confidence = excluded.confidence,
    statement_id = excluded.statement_id
where (quotes.article_id, quotes.content, quotes.cue, quotes.kind, quotes.speaker_text,
        quotes.speaker, quotes.speaker_role, quotes.start_char, quotes.end_char,
        quotes.confidence, quotes.statement_id)
    is distinct from
    (excluded.article_id, excluded.content, excluded.cue, excluded.kind, excluded.speaker_text,
        excluded.speaker, excluded.speaker_role, excluded.start_char, excluded.end_char,
        excluded.confidence, excluded.statement_id);
