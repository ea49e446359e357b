-- Helpers the views and the search use. Macros are part of the file, so analysts can call them.

create or replace macro pw_tokens(s) as
    list_filter(
        regexp_split_to_array(strip_accents(lower(coalesce(s, ''))), '[^\p{L}\p{N}]+'),
        lambda t: length(t) > 1
    );

create or replace macro pw_day(ts) as cast(timezone('UTC', ts) as date);

-- The host of a URL, lower-cased, without user, port or path ('' when there is none).
create or replace macro pw_host(url) as
    rtrim(lower(regexp_extract(
        coalesce(url, ''), '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?(\[[^\]]*\]|[^/:?#]*)', 1
    )), '.');
