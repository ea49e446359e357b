-- Alert bookkeeping beyond 001's alerts table. Owned by the alert stage (flows/alerts.py).

-- Which story an alert belongs to, the rule key it was raised for (a statement id, or a digest /
-- spike / test key) and when its last delivery attempt started: a row whose attempt started but
-- never finished is a send that may have reached the receiver before a crash.
alter table alerts add column story_id varchar;
alter table alerts add column alert_key varchar;
alter table alerts add column last_attempt_at timestamptz;

-- Every statement the alert stage has judged, matched or not, so that "new" means "not judged
-- before" whatever order statements were created in, and a crash before judging loses nothing.
create table alert_judged_statements (
    statement_id varchar primary key,
    story_id varchar not null,
    run_id varchar,
    judged_at timestamptz not null,
    alert_key varchar                    -- the alert it went into; null when no rule matched
);

comment on column alerts.story_id is 'The story the alert belongs to.';
comment on column alerts.alert_key is 'What it is about: a statement id, or digest:/spike:<story>:... for rules.';
comment on column alerts.last_attempt_at is 'When the last delivery attempt started (UTC).';
comment on table alert_judged_statements is 'Statements the alert rules have looked at, so each is judged once.';
comment on column alert_judged_statements.statement_id is 'The statement (see statements).';
comment on column alert_judged_statements.story_id is 'The story whose rules judged it.';
comment on column alert_judged_statements.run_id is 'The run that judged it (see runs).';
comment on column alert_judged_statements.judged_at is 'When it was judged (UTC).';
comment on column alert_judged_statements.alert_key is 'The alert it went into (alerts.alert_key); empty when no rule matched.';
