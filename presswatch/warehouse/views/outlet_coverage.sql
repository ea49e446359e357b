create or replace view outlet_coverage as
with per_outlet as (
    select
        outlet,
        mode(site_name order by site_name) as site_name,
        count(*) as n_articles,
        count(*) filter (where is_relevant) as n_relevant,
        min(coalesce(published_at, first_seen_at)) as first_article_at,
        max(coalesce(published_at, first_seen_at)) as last_article_at
    from articles
    group by outlet
),

quotes_per_outlet as (
    select
        a.outlet,
        count(*) as n_quotes,
        count(distinct q.statement_id) as n_statements,
        count(distinct q.speaker) as n_speakers
    from quotes as q
    inner join articles as a on a.article_id = q.article_id
    group by a.outlet
)

select
    o.outlet,
    n.name,
    n.named_by,
    o.site_name,
    o.n_articles,
    o.n_relevant,
    o.first_article_at,
    o.last_article_at,
    coalesce(q.n_quotes, 0) as n_quotes,
    coalesce(q.n_statements, 0) as n_statements,
    coalesce(q.n_speakers, 0) as n_speakers
from per_outlet as o
left join quotes_per_outlet as q on q.outlet = o.outlet
left join outlet_names as n on n.outlet = o.outlet
order by o.n_articles desc, o.outlet;

comment on view outlet_coverage is 'Coverage per outlet: articles, first and last article, quotes, statements and speakers.';
comment on column outlet_coverage.outlet is 'The publication, by its web domain.';
comment on column outlet_coverage.name is 'Its name for people (see outlet_names): its pages'' name, else its feed''s, else the story''s, else the domain.';
comment on column outlet_coverage.named_by is 'Where that name came from: page, feed, story or host.';
comment on column outlet_coverage.site_name is 'The publication''s own name, as its pages give it.';
comment on column outlet_coverage.n_articles is 'Articles stored from it.';
comment on column outlet_coverage.n_relevant is 'Of those, articles about the story.';
comment on column outlet_coverage.first_article_at is 'Its earliest article (publication time, UTC).';
comment on column outlet_coverage.last_article_at is 'Its latest article (publication time, UTC).';
comment on column outlet_coverage.n_quotes is 'Quotes in its articles.';
comment on column outlet_coverage.n_statements is 'Distinct statements it carried.';
comment on column outlet_coverage.n_speakers is 'Distinct speakers it quoted.';
