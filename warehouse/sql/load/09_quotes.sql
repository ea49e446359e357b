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
    statement_id = excluded.statement_id;
