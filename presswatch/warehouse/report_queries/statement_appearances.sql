-- How each statement travelled: every quote of it or of its parts (statements.part_of) in an
-- article of the period, first to last, with the outlet, the article, whether the article is a
-- syndicated copy (and of which outlet's original), and the words around the quoted ones: the
-- sentence before and the quote's own sentence up to it, and its sentence after it (cut at
-- sentence ends, at most 400 characters before and 240 after). Times come as text (UTC, to the minute):
-- a big report shows hundreds of thousands of them.
with placed as (
    select
        statement_id,
        quote_id,
        kind,
        cue,
        speaker_text,
        content,
        confidence,
        start_char,
        article_id,
        outlet_name,
        title,
        url,
        seen_at,
        published_at is null as date_unknown,
        cluster_id,
        substring(text, greatest(1, start_char - 399), least(start_char, 400)) as before_window,
        start_char > 400 as before_cut,
        substring(text, end_char + 1, 240) as after_window,
        length(text) > end_char + 240 as after_cut
    from period_quotes($since)
)

select
    p.statement_id,
    dense_rank() over (
        partition by p.statement_id order by p.seen_at, p.article_id
    ) as article_position,
    date_diff('minute', min(p.seen_at) over (partition by p.statement_id), p.seen_at)
        as minutes_after_first,
    p.article_id,
    p.outlet_name as outlet,
    p.title,
    p.url,
    strftime(p.seen_at, '%Y-%m-%d %H:%M') as seen_at,
    p.date_unknown,
    p.kind,
    p.cue,
    p.speaker_text,
    p.cluster_id is not null and p.cluster_id <> p.article_id as is_copy,
    case when p.cluster_id is not null and p.cluster_id <> p.article_id then on_.name end
        as copy_of_outlet,
    -- Before the quote: its own sentence up to it and the whole sentence before that (a lone
    -- "It asks them to ..." says nothing without who "it" is); after it: on to the first
    -- sentence end. A window that starts or ends mid-text is cut at a whole word.
    ltrim(regexp_extract(
        regexp_replace(p.before_window, case when p.before_cut then '^\S*\s' else '^$' end, ''),
        '(?:[^.!?\n]*[.!?]["”’»)]*[ \t]+)?[^.!?\n]*$', 0)) as context_before,
    p.content,
    rtrim(regexp_extract(
        regexp_replace(p.after_window, case when p.after_cut then '\s\S*$' else '^$' end, ''),
        '^[^.!?\n]*[.!?]*["”’»)]*', 0)) as context_after
from placed as p
left join articles as original on original.article_id = p.cluster_id
left join outlet_names as on_ on on_.outlet = original.outlet
order by p.statement_id, p.seen_at, p.article_id, p.start_char, p.quote_id;
