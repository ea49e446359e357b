-- "Which outlets carried this statement, first to last?" without the four-table join through
-- statements.part_of: one row per article carrying a statement (whole; an article quoting only
-- a part of it counts), in the order they appeared, with the outlet by name, whether the article
-- is a syndicated copy (and of which outlet's article), and whether it gave the words verbatim
-- (a direct quote) or reported them (the writer's words).
create or replace view statement_appearances as
with placed as (
    select
        coalesce(s.part_of, s.statement_id) as statement_id,
        q.article_id,
        count(*) as n_quotes,
        bool_or(q.kind = 'direct') as has_direct,
        bool_and(s.part_of is not null) as has_part
    from quotes as q
    inner join statements as s on s.statement_id = q.statement_id
    group by all
),

dated as (
    select
        p.*,
        a.outlet as outlet_host,
        n.name as outlet,
        a.title,
        a.url,
        coalesce(a.published_at, a.first_seen_at) as seen_at,
        a.published_at is null as is_date_unknown,
        case when a.cluster_id is not null and a.cluster_id <> a.article_id
            then a.cluster_id end as copy_of_article_id
    from placed as p
    inner join articles as a on a.article_id = p.article_id
    inner join outlet_names as n on n.outlet = a.outlet
)

select
    d.statement_id,
    w.speaker,
    w.text as statement,
    row_number() over (
        partition by d.statement_id order by d.seen_at, d.article_id
    ) as position,
    d.article_id,
    d.outlet,
    d.outlet_host,
    d.title,
    d.url,
    d.seen_at,
    d.is_date_unknown,
    date_diff('minute', min(d.seen_at) over (partition by d.statement_id), d.seen_at)
        as minutes_after_first,
    d.copy_of_article_id is not null as is_copy,
    d.copy_of_article_id,
    copy_names.name as copy_of_outlet,
    case when d.has_direct then 'verbatim' else 'reported' end as carried_as,
    d.has_part as is_part_only,
    d.n_quotes
from dated as d
inner join statements as w on w.statement_id = d.statement_id
left join articles as original on original.article_id = d.copy_of_article_id
left join outlet_names as copy_names on copy_names.outlet = original.outlet
order by d.statement_id, position;

comment on view statement_appearances is 'One row per article carrying a statement (an article quoting a part of it counts), first to last: outlet, time, copy or original, verbatim or reported.';
comment on column statement_appearances.statement_id is 'The statement as a whole (see statement_timeline; a part, statements.part_of, is folded into it).';
comment on column statement_appearances.speaker is 'Who said it.';
comment on column statement_appearances.statement is 'Its fullest wording.';
comment on column statement_appearances.position is '1 for the first article to carry it, 2 for the next, ... (by publication time, UTC).';
comment on column statement_appearances.article_id is 'The article (see articles).';
comment on column statement_appearances.outlet is 'The article''s outlet by name (see outlet_names).';
comment on column statement_appearances.outlet_host is 'The outlet as articles.outlet holds it (its domain).';
comment on column statement_appearances.title is 'The article''s headline.';
comment on column statement_appearances.url is 'The article''s address.';
comment on column statement_appearances.seen_at is 'Publication time (UTC); the time presswatch found it when the page gives none.';
comment on column statement_appearances.is_date_unknown is 'True when the page gives no publication time (seen_at is when presswatch found it).';
comment on column statement_appearances.minutes_after_first is 'Minutes after the first article carrying it.';
comment on column statement_appearances.is_copy is 'True when the article is a syndicated copy of another (see articles.cluster_id).';
comment on column statement_appearances.copy_of_article_id is 'The original the copy was syndicated from.';
comment on column statement_appearances.copy_of_outlet is 'The outlet (by name) of that original.';
comment on column statement_appearances.carried_as is 'verbatim (the article quotes the words directly: safe to quote) or reported (the writer''s paraphrase or a mixed quote).';
comment on column statement_appearances.is_part_only is 'True when the article quotes only an excerpt of the statement (a part, statements.part_of).';
comment on column statement_appearances.n_quotes is 'Quotes of it (or its parts) in the article.';
