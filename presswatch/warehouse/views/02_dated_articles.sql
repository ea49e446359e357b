-- The articles of a period, each with the time it counts from (seen_at: published_at, else
-- first_seen_at when the page gives no date), that time's UTC day and the outlet's name for
-- people (outlet_name, from the outlet_names view): the articles whose day is on or after
-- `since`. Every report query reads its period through it:
-- select * from dated_articles(date '2026-01-01').
create or replace macro dated_articles(since) as table
    select
        a.*,
        coalesce(a.published_at, a.first_seen_at) as seen_at,
        pw_day(coalesce(a.published_at, a.first_seen_at)) as day,
        n.name as outlet_name
    from articles as a
    inner join outlet_names as n on n.outlet = a.outlet
    where pw_day(coalesce(a.published_at, a.first_seen_at)) >= since;
