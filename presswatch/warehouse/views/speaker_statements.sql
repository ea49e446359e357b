-- A speaker is a statement's speaker (statements.speaker), as in the report's speakers page and
-- the alerts' "N speakers": every count of speakers presswatch gives is a count of these rows.
create or replace view speaker_statements as
with quoted as (
    select
        s.speaker,
        coalesce(s.part_of, s.statement_id) as statement_id,
        coalesce(s.speaker_role, q.speaker_role) as speaker_role,
        q.article_id,
        a.outlet,
        coalesce(a.published_at, a.first_seen_at) as seen_at
    from quotes as q
    inner join statements as s on s.statement_id = q.statement_id
    inner join articles as a on a.article_id = q.article_id
),

per_speaker as (
    select
        speaker,
        count(distinct statement_id) as n_statements,
        count(*) as n_quotes,
        count(distinct article_id) as n_articles,
        count(distinct outlet) as n_outlets,
        min(seen_at) as first_seen_at,
        max(seen_at) as last_seen_at,
        mode(speaker_role order by speaker_role) as role
    from quoted
    group by speaker
),

organisations as (
    select speaker, mode(organisation order by organisation) as organisation
    from statements
    group by speaker
)

select
    p.speaker,
    p.role,
    o.organisation,
    p.n_statements,
    p.n_quotes,
    p.n_articles,
    p.n_outlets,
    p.first_seen_at,
    p.last_seen_at
from per_speaker as p
left join organisations as o on o.speaker = p.speaker
order by p.n_quotes desc, p.speaker;

comment on view speaker_statements is 'Per speaker: how much they said and were quoted, where, and when first and last.';
comment on column speaker_statements.speaker is 'The speaker (names unified across articles).';
comment on column speaker_statements.role is 'The role most often given for them, e.g. OpenAI spokesperson.';
comment on column speaker_statements.organisation is 'The organisation they speak for, when known.';
comment on column speaker_statements.n_statements is 'Distinct things they said (a statement and its parts, see statements.part_of, are one).';
comment on column speaker_statements.n_quotes is 'Quotes of them, across all articles.';
comment on column speaker_statements.n_articles is 'Articles that quote them.';
comment on column speaker_statements.n_outlets is 'Outlets that quote them.';
comment on column speaker_statements.first_seen_at is 'Earliest article quoting them (publication time, UTC).';
comment on column speaker_statements.last_seen_at is 'Latest article quoting them (publication time, UTC).';
