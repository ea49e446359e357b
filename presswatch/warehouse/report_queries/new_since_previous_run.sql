-- What the latest run found that no earlier run had: statements (first quoted in an article it
-- stored; a part of a fuller one, statements.part_of, is no news), speakers and outlets (none of
-- whose articles came from an earlier run). Each new statement says which alerts went out for it
-- (on its own, or in a digest), as the alerts table records them, so the report and the alerts can
-- be compared.
with last_run as (
    select run_id from latest_run
),

article_runs as (
    select a.article_id, a.outlet, a.run_id, a.run_id = (select run_id from last_run) as is_last
    from articles as a
),

new_statements as (
    select
        'statement' as kind,
        s.statement_id as key,
        case when regexp_full_match(s.statement_id, '[0-9A-Za-z_-]{1,64}') then s.statement_id
            else left(md5(s.statement_id), 16) end as page_key,
        s.speaker as name,
        s.text as detail,
        n.name as outlet,
        a.title,
        a.url,
        s.first_seen_at as seen_at,
        coalesce(al.alerts, []) as alerts
    from statements as s
    inner join articles as a on a.article_id = s.first_article_id
    inner join outlet_names as n on n.outlet = a.outlet
    left join statement_alert_labels as al on al.statement_id = s.statement_id
    where a.run_id = (select run_id from last_run) and s.part_of is null
),

speaker_quotes as (
    select s.speaker, r.is_last, q.article_id
    from quotes as q
    inner join statements as s on s.statement_id = q.statement_id
    inner join article_runs as r on r.article_id = q.article_id
),

new_speakers as (
    select
        'speaker' as kind,
        speaker as key,
        left(md5(speaker), 16) as page_key,
        speaker as name,
        count(distinct article_id) || ' article(s) in this run' as detail,
        null as outlet,
        null as title,
        null as url,
        null::timestamptz as seen_at,
        []::varchar[] as alerts
    from speaker_quotes
    group by speaker
    having bool_and(is_last)
),

new_outlets as (
    select
        'outlet' as kind,
        r.outlet as key,
        null as page_key,
        n.name as name,
        count(*) || ' article(s) in this run' as detail,
        n.name as outlet,
        null as title,
        null as url,
        null::timestamptz as seen_at,
        []::varchar[] as alerts
    from article_runs as r
    inner join outlet_names as n on n.outlet = r.outlet
    group by r.outlet, n.name
    having bool_and(r.is_last)
)

select * from new_statements
union all by name
select * from new_speakers
union all by name
select * from new_outlets
order by
    case kind when 'statement' then 1 when 'speaker' then 2 else 3 end,
    seen_at nulls last,
    name,
    key;
