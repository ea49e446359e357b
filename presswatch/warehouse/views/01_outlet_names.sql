-- Each outlet's name for people, decided once so that every view, alert and report agrees:
-- the name its pages give (og:site_name, else the JSON-LD publisher; the most common one when
-- they differ), else the story file's name for a feed or sitemap on the outlet's own host that
-- listed its articles, else the story's [[outlets]] table (host -> name), and the web domain or
-- host (an IP address, say) only when nothing names it. Views join it on articles.outlet.

create or replace view outlet_names as
with outlets as (
    select distinct outlet from articles
),

page_names as (
    select outlet, name
    from (
        select outlet, trim(site_name) as name, count(*) as n
        from articles
        where nullif(trim(site_name), '') is not null
        group by outlet, trim(site_name)
    )
    qualify row_number() over (partition by outlet order by n desc, name) = 1
),

feed_names as (
    select outlet, name
    from (
        select a.outlet, trim(s.name) as name, count(*) as n
        from articles as a
        inner join sources as s on s.url = a.source_url
        where nullif(trim(s.name), '') is not null
            and (pw_host(s.url) = a.outlet or ends_with(pw_host(s.url), '.' || a.outlet))
        group by a.outlet, trim(s.name)
    )
    qualify row_number() over (partition by outlet order by n desc, name) = 1
)

select
    o.outlet,
    coalesce(p.name, f.name, nullif(trim(so.name), ''), o.outlet) as name,
    case
        when p.name is not null then 'page'
        when f.name is not null then 'feed'
        when nullif(trim(so.name), '') is not null then 'story'
        else 'host'
    end as named_by
from outlets as o
left join page_names as p on p.outlet = o.outlet
left join feed_names as f on f.outlet = o.outlet
left join story_outlets as so on so.outlet = o.outlet
order by o.outlet;

comment on view outlet_names is 'Each outlet''s name for people: its pages'' own name, else its feed''s name in the story file, else the story''s [[outlets]] table, else its domain.';
comment on column outlet_names.outlet is 'The outlet as articles.outlet holds it (its web domain, or host).';
comment on column outlet_names.name is 'The name to show for it.';
comment on column outlet_names.named_by is 'Where the name came from: page, feed, story ([[outlets]]) or host (nothing named it).';
