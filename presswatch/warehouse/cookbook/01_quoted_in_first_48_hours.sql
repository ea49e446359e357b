-- Who was quoted about the leak in its first 48 hours?
with story_start as (
    select min(coalesce(published_at, first_seen_at)) as started_at
    from articles
    where is_relevant
)

select
    q.speaker,
    any_value(q.speaker_role) as role,
    count(*) as n_quotes,
    count(distinct a.outlet) as n_outlets,
    min(coalesce(a.published_at, a.first_seen_at)) as first_quoted_at
from quotes as q
inner join articles as a on a.article_id = q.article_id
cross join story_start as s
where a.is_relevant
    and q.speaker is not null
    and coalesce(a.published_at, a.first_seen_at) < s.started_at + interval 48 hour
group by q.speaker
order by first_quoted_at;
