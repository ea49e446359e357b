-- Unchanged rows (a re-load of the same batch) are not rewritten.
insert into entities by name
select * from batch_entities
on conflict (article_id, start_char, end_char, label) do update set
    text = excluded.text,
    canonical = excluded.canonical
where entities.text is distinct from excluded.text
    or entities.canonical is distinct from excluded.canonical;
