-- Which articles are copies of another one (syndication), and of which original?
select
    original_name.name as original_outlet,
    original.title as original_title,
    count(*) as n_copies,
    list(copy_name.name order by copy_name.name) as copied_by
from articles as copy
inner join articles as original on original.article_id = copy.cluster_id
inner join outlet_names as original_name on original_name.outlet = original.outlet
inner join outlet_names as copy_name on copy_name.outlet = copy.outlet
where copy.cluster_id <> copy.article_id
group by all
order by n_copies desc, original_title;
