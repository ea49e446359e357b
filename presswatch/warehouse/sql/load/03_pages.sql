insert into pages by name
select * from batch_pages
on conflict (url, run_id) do update set
    final_url = excluded.final_url,
    status = excluded.status,
    content_type = excluded.content_type,
    reason = excluded.reason,
    fetched_at = excluded.fetched_at,
    source_url = excluded.source_url;
