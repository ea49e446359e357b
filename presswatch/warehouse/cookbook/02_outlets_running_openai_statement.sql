-- Which outlets ran OpenAI's statements, and when did each first appear?
-- One row per statement as a whole: an outlet that quoted only one sentence of it counts.
select
    speaker,
    left(text, 70) as statement,
    n_outlets,
    outlets,
    first_appeared_at as first_ran_at
from statement_timeline
where organisation = 'OpenAI' or speaker = 'OpenAI'
order by n_outlets desc, first_ran_at;
