-- Statements the alert stage has not judged yet, with their first article and best quote.
-- A speaker is new when none of their statements was judged before.
with unjudged as (
    select statements.*
    from statements
    anti join alert_judged_statements using (statement_id)
),

judged_speakers as (
    select distinct statements.speaker
    from statements
    semi join alert_judged_statements using (statement_id)
),

best_quote as (
    select statement_id, max(confidence) as confidence
    from quotes
    where statement_id is not null
    group by statement_id
)

select
    unjudged.statement_id,
    unjudged.speaker,
    unjudged.speaker_role,
    unjudged.organisation,
    unjudged.text,
    coalesce(best_quote.confidence, 0.0) as confidence,
    coalesce(outlet_names.name, articles.outlet, '') as outlet,
    articles.title,
    coalesce(articles.canonical_url, articles.url, '') as url,
    articles.published_at,
    unjudged.n_outlets,
    unjudged.speaker not in (select speaker from judged_speakers) as is_new_speaker,
    pw_said_as(unjudged.statement_id, unjudged.text) = 'quoted' as is_direct,
    unjudged.part_of
from unjudged
left join articles on articles.article_id = unjudged.first_article_id
left join outlet_names on outlet_names.outlet = articles.outlet
left join best_quote on best_quote.statement_id = unjudged.statement_id
order by unjudged.first_seen_at, unjudged.statement_id
