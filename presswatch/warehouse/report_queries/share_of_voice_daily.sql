-- Share of voice over time: articles quoting each voice (see share_of_voice.sql) per day (UTC
-- publication day, else the day presswatch found the article). The 7 voices quoted in the most
-- articles keep their name, the rest are summed as 'Other voices'.
with quoted as (
    select distinct
        coalesce(nullif(trim(s.organisation), ''), s.speaker) as voice,
        a.day,
        a.article_id
    from quotes as q
    inner join statements as s on s.statement_id = q.statement_id
    inner join dated_articles($since) as a on a.article_id = q.article_id
),

ranked as (
    select voice, row_number() over (order by count(distinct article_id) desc, voice) as rank
    from quoted
    group by voice
)

select
    q.day,
    case when r.rank <= 7 then q.voice else 'Other voices' end as voice,
    count(distinct q.article_id) as n_articles
from quoted as q
inner join ranked as r on r.voice = q.voice
group by all
order by q.day, n_articles desc, voice;
