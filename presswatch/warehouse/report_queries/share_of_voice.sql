-- Share of voice: per voice (the organisation a speaker speaks for, else the speaker), the
-- statements (a statement and its parts are one) and the articles of the period quoting it,
-- and its share of all articles quoting anyone; with its speakers, most quoted first.
with dated as (
    select article_id, outlet from dated_articles($since)
),

quoted as (
    select
        coalesce(nullif(trim(s.organisation), ''), s.speaker) as voice,
        s.speaker,
        coalesce(s.part_of, s.statement_id) as statement_id,
        d.article_id,
        d.outlet
    from quotes as q
    inner join statements as s on s.statement_id = q.statement_id
    inner join dated as d on d.article_id = q.article_id
),

per_speaker as (
    select voice, speaker, count(distinct article_id) as n_articles
    from quoted
    group by voice, speaker
),

total as (
    select count(distinct article_id) as n_articles, count(distinct statement_id) as n_statements
    from quoted
)

select
    q.voice,
    (select list(p.speaker order by p.n_articles desc, p.speaker) from per_speaker as p
        where p.voice = q.voice) as speakers,
    count(distinct q.statement_id) as n_statements,
    count(distinct q.article_id) as n_articles,
    count(distinct q.outlet) as n_outlets,
    round(100.0 * count(distinct q.statement_id) / any_value(t.n_statements), 1)
        as pct_statements,
    round(100.0 * count(distinct q.article_id) / any_value(t.n_articles), 1) as pct_articles
from quoted as q
cross join total as t
group by q.voice
order by n_articles desc, n_statements desc, q.voice;
