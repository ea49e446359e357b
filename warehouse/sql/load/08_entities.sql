insert into entities by name
select * from batch_entities
on conflict (article_id, start_char, end_char, label) do update set
    text = excluded.text,
    canonical = excluded.canonical;
