create or replace view entity_mentions_daily as
select
    pw_day(coalesce(a.published_at, a.first_seen_at)) as day,
    coalesce(e.canonical, e.text) as entity,
    e.label,
    count(*) as n_mentions,
    count(distinct e.article_id) as n_articles,
    count(distinct a.outlet) as n_outlets
from entity_mentions as e
inner join articles as a on a.article_id = e.article_id
where e.noise is null
group by all
order by day, n_mentions desc, entity;

comment on view entity_mentions_daily is 'Mentions of each name per day (UTC), aliases unified for the story''s entities; bylines, datelines and other page furniture left out (see entity_mentions.noise).';
comment on column entity_mentions_daily.day is 'Publication day (UTC) of the articles.';
comment on column entity_mentions_daily.entity is 'The name (the story''s name for it when known).';
comment on column entity_mentions_daily.label is 'Kind of name: PERSON, ORG, PRODUCT, GPE, ...';
comment on column entity_mentions_daily.n_mentions is 'Times it was mentioned that day.';
comment on column entity_mentions_daily.n_articles is 'Articles mentioning it that day.';
comment on column entity_mentions_daily.n_outlets is 'Outlets mentioning it that day.';
