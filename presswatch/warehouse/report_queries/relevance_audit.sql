-- The relevance audit, to tune the story file: articles of the period judged not about the
-- story, and borderline ones (a score within 0.15 of the story's threshold, either side), with
-- their score and the reasons the scorer gave. Borderline first, then by score; at most $limit
-- rows, n_total saying how many there are of each verdict.
with story as (
    select coalesce(s.relevance_threshold, 0.5) as threshold
    from latest_run as l
    left join stories as s on s.story_id = l.story_id
),

judged as (
    select
        a.article_id,
        a.title,
        a.outlet_name as outlet,
        a.url,
        a.seen_at,
        a.relevance_score as score,
        a.is_relevant,
        coalesce(a.relevance_reasons, []) as reasons,
        a.nlp_status,
        st.threshold,
        case
            when abs(coalesce(a.relevance_score, 0) - st.threshold) <= 0.15 then 'borderline'
            when not coalesce(a.is_relevant, false) then 'not relevant'
        end as verdict
    from dated_articles($since) as a
    cross join story as st
)

select *, count(*) over (partition by verdict) as n_total
from judged
where verdict is not null
qualify row_number() over (
    order by verdict = 'borderline' desc, score desc nulls last, seen_at desc, article_id
) <= $limit
order by verdict = 'borderline' desc, score desc nulls last, seen_at desc, article_id;
