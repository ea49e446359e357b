-- Every alert a statement went out in: its own, or one that carries it among others (a new
-- speaker's introduction, a digest).
create or replace view statement_alerts as
select statement_id, alert_id, channel, status, 'statement' as carried_by
from alerts
where statement_id is not null
union all
-- A statement nearly the same as another in one message rides in that one's versions.
select
    unnest(list_concat(
        json_extract_string(payload, '$.items[*].statement_id'),
        json_extract_string(payload, '$.items[*].version_ids[*]')
    )) as statement_id,
    alert_id,
    channel,
    status,
    coalesce(json_extract_string(payload, '$.kind'), 'digest') as carried_by
from alerts
where statement_id is null and json_extract_string(payload, '$.items') is not null;

comment on view statement_alerts is 'Each alert that carried a statement, by channel, with its delivery state.';
comment on column statement_alerts.statement_id is 'The statement (see statements).';
comment on column statement_alerts.alert_id is 'The alert (see alerts).';
comment on column statement_alerts.channel is 'console, webhook or email.';
comment on column statement_alerts.status is 'pending, held (for a digest), digested, delivered or failed.';
comment on column statement_alerts.carried_by is 'statement (its own alert), speaker (a speaker''s statements in one message) or digest.';

-- The same, one row per statement: each alert as "channel: status", with what carried it when
-- that was not the statement's own alert (the report's alert column).
create or replace view statement_alert_labels as
select statement_id, list(distinct label order by label) as alerts
from (
    select
        statement_id,
        channel || ': ' || status
        || case when carried_by = 'statement' then '' else ' (' || carried_by || ')' end as label
    from statement_alerts
)
group by statement_id;

comment on view statement_alert_labels is 'The alerts that carried each statement, as "channel: status (speaker or digest)".';
comment on column statement_alert_labels.statement_id is 'The statement (see statements).';
comment on column statement_alert_labels.alerts is 'One label per alert and channel, sorted.';
