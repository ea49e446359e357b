-- Which articles are copies of another one (syndication), and of which original?
select
    coalesce(original.site_name, original.outlet) as original_outlet,
    original.title as original_title,
    count(*) as n_copies,
    list(coalesce(copy.site_name, copy.outlet)) as copied_by
from articles as copy
inner join articles as original on original.article_id = copy.cluster_id
where copy.cluster_id <> copy.article_id
group by all
order by n_copies desc, original_title;
