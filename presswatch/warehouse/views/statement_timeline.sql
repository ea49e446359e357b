-- n_articles and n_outlets are kept on statements by every load (and checked against the
-- quotes by checks/statements_counts_match_quotes.sql), so they are not recounted here.
create or replace view statement_timeline as
with appearances as (
    select
        q.statement_id,
        n.name as outlet,
        coalesce(a.published_at, a.first_seen_at) as seen_at
    from quotes as q
    inner join articles as a on a.article_id = q.article_id
    inner join outlet_names as n on n.outlet = a.outlet
    where q.statement_id is not null
),

spread as (
    select
        statement_id,
        min(seen_at) as first_appeared_at,
        max(seen_at) as last_appeared_at,
        count(distinct pw_day(seen_at)) as n_days,
        list(distinct outlet order by outlet) as outlets
    from appearances
    group by statement_id
)

select
    s.statement_id,
    s.speaker,
    s.speaker_role,
    s.organisation,
    s.text,
    pw_said_as(s.statement_id, s.text) as said_as,
    s.first_seen_at,
    coalesce(first_outlet.name, first_article.outlet) as first_outlet,
    first_article.title as first_title,
    first_article.url as first_url,
    sp.first_appeared_at,
    sp.last_appeared_at,
    date_diff('hour', sp.first_appeared_at, sp.last_appeared_at) as spread_hours,
    coalesce(sp.n_days, 0) as n_days,
    s.n_articles,
    s.n_outlets,
    coalesce(sp.outlets, []) as outlets
from statements as s
left join articles as first_article on first_article.article_id = s.first_article_id
left join outlet_names as first_outlet on first_outlet.outlet = first_article.outlet
left join spread as sp on sp.statement_id = s.statement_id
order by s.first_seen_at, s.statement_id;

comment on view statement_timeline is 'Each statement with where it first appeared and how it spread over days and outlets.';
comment on column statement_timeline.statement_id is 'The statement (see statements).';
comment on column statement_timeline.speaker is 'Who said it.';
comment on column statement_timeline.speaker_role is 'Their role, e.g. OpenAI spokesperson.';
comment on column statement_timeline.organisation is 'The organisation they speak for.';
comment on column statement_timeline.text is 'The fullest wording found.';
comment on column statement_timeline.said_as is 'quoted (the words of a direct quote: show them in quotation marks) or reported (reported speech: "X said that ...").';
comment on column statement_timeline.first_seen_at is 'When it first appeared: publication time of its first article (UTC).';
comment on column statement_timeline.first_outlet is 'Outlet (by name, see outlet_names) of the article where it first appeared.';
comment on column statement_timeline.first_title is 'Headline of that article.';
comment on column statement_timeline.first_url is 'Address of that article.';
comment on column statement_timeline.first_appeared_at is 'Earliest publication time of an article quoting it (UTC).';
comment on column statement_timeline.last_appeared_at is 'Latest publication time of an article quoting it (UTC).';
comment on column statement_timeline.spread_hours is 'Hours between its first and last appearance.';
comment on column statement_timeline.n_days is 'Distinct days (UTC) on which articles quoted it.';
comment on column statement_timeline.n_articles is 'Articles quoting it.';
comment on column statement_timeline.n_outlets is 'Outlets quoting it.';
comment on column statement_timeline.outlets is 'Those outlets by name (see outlet_names), alphabetically.';
