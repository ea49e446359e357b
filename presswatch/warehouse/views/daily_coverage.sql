-- Per day (UTC, by publication date, or by the day presswatch found it when the page gave none).
create or replace view daily_coverage as
with dated as (
    select
        pw_day(coalesce(published_at, first_seen_at)) as day,
        article_id,
        coalesce(cluster_id, article_id) as story_copy_of,
        outlet,
        is_relevant
    from articles
)

select
    day,
    count(*) as n_articles,
    count(distinct story_copy_of) as n_distinct_stories,
    count(distinct outlet) as n_outlets,
    count(*) filter (where is_relevant) as n_relevant,
    round(count(*) filter (where is_relevant) / count(*), 3) as relevant_share
from dated
group by day
order by day;

comment on view daily_coverage is 'Coverage per day: articles, distinct stories (copies counted once), outlets and the share about the story.';
comment on column daily_coverage.day is 'Publication day (UTC); the day presswatch found the article when the page gave no date.';
comment on column daily_coverage.n_articles is 'Articles that day, copies included.';
comment on column daily_coverage.n_distinct_stories is 'Articles that day with syndicated copies counted once.';
comment on column daily_coverage.n_outlets is 'Outlets that published that day.';
comment on column daily_coverage.n_relevant is 'Articles that day judged to be about the story.';
comment on column daily_coverage.relevant_share is 'n_relevant / n_articles (0 to 1).';
