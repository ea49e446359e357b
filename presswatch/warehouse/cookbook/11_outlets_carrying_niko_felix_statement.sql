-- Which outlets carried Niko Felix's statement, first to last, and did they quote it verbatim?
-- One row per article (statement_appearances): copies of a wire story are marked as such.
select
    position,
    outlet,
    seen_at,
    minutes_after_first,
    carried_as,
    case when is_copy then 'copy of ' || copy_of_outlet else 'original' end as copy_of,
    title
from statement_appearances
where speaker = 'Niko Felix'
    and statement_id = (
        select statement_id from statement_timeline
        where speaker = 'Niko Felix'
        order by n_outlets desc, n_articles desc, statement_id
        limit 1
    )
order by position;
