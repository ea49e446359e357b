-- One row per statement as a whole: a part (statements.part_of: an excerpt quoted alone) has
-- no row of its own and its quotes count in its whole's spread (part_of always names a whole),
-- so the paragraph's row says how far it travelled in any cut and nothing is counted twice.
create or replace view statement_timeline as
with appearances as (
    select
        coalesce(s.part_of, s.statement_id) as statement_id,
        q.article_id,
        n.name as outlet,
        coalesce(a.published_at, a.first_seen_at) as seen_at
    from quotes as q
    inner join statements as s on s.statement_id = q.statement_id
    inner join articles as a on a.article_id = q.article_id
    inner join outlet_names as n on n.outlet = a.outlet
),

spread as (
    select
        statement_id,
        min(seen_at) as first_appeared_at,
        max(seen_at) as last_appeared_at,
        count(distinct pw_day(seen_at)) as n_days,
        count(distinct article_id) as n_articles,
        count(distinct outlet) as n_outlets,
        list(distinct outlet order by outlet) as outlets
    from appearances
    group by statement_id
),

parts as (
    select part_of as statement_id, count(*) as n_parts
    from statements
    where part_of is not null
    group by part_of
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
    coalesce(sp.n_articles, 0) as n_articles,
    coalesce(sp.n_outlets, 0) as n_outlets,
    coalesce(sp.outlets, []) as outlets,
    coalesce(parts.n_parts, 0) as n_parts
from statements as s
left join articles as first_article on first_article.article_id = s.first_article_id
left join outlet_names as first_outlet on first_outlet.outlet = first_article.outlet
left join spread as sp on sp.statement_id = s.statement_id
left join parts on parts.statement_id = s.statement_id
where s.part_of is null
order by s.first_seen_at, s.statement_id;

comment on view statement_timeline is 'Each statement as a whole (its parts, see statements.part_of, count in it) with where it first appeared and how it spread over days and outlets.';
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
comment on column statement_timeline.first_appeared_at is 'Earliest publication time of an article quoting it or a part of it (UTC).';
comment on column statement_timeline.last_appeared_at is 'Latest publication time of an article quoting it or a part of it (UTC).';
comment on column statement_timeline.spread_hours is 'Hours between its first and last appearance.';
comment on column statement_timeline.n_days is 'Distinct days (UTC) on which articles quoted it or a part of it.';
comment on column statement_timeline.n_articles is 'Articles quoting it or a part of it (statements.n_articles counts its own quotes only).';
comment on column statement_timeline.n_outlets is 'Outlets quoting it or a part of it.';
comment on column statement_timeline.outlets is 'Those outlets by name (see outlet_names), alphabetically.';
comment on column statement_timeline.n_parts is 'Statements that are excerpts of this one quoted alone (statements where part_of is this one); their quotes count here.';
