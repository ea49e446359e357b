-- A statement keeps its id for ever; its wording becomes the fullest version given, and its
-- first appearance the earliest one seen; part_of as the index last decided it.
insert into statements by name
select *, 0 as n_articles, 0 as n_outlets
from batch_statements
on conflict (statement_id) do update set
    speaker = excluded.speaker,
    speaker_role = coalesce(excluded.speaker_role, statements.speaker_role),
    organisation = coalesce(excluded.organisation, statements.organisation),
    text = excluded.text,
    part_of = excluded.part_of,
    first_article_id = case when excluded.first_seen_at < statements.first_seen_at
        then excluded.first_article_id else statements.first_article_id end,
    first_seen_at = least(excluded.first_seen_at, statements.first_seen_at);
