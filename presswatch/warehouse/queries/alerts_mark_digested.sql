-- Held alerts that went into a digest: never sent on their own, kept for the record.
update alerts
set status = 'digested'
where status = 'held' and list_contains($alert_ids, alert_id)
