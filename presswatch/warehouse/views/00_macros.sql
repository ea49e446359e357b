-- Helpers the views and the search use. Macros are part of the file, so analysts can call them.

create or replace macro pw_tokens(s) as
    list_filter(
        regexp_split_to_array(strip_accents(lower(coalesce(s, ''))), '[^\p{L}\p{N}]+'),
        lambda t: length(t) > 1
    );

create or replace macro pw_day(ts) as cast(timezone('UTC', ts) as date);
