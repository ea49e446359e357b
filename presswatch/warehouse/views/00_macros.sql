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

-- How a statement's text may be shown: 'quoted' when it is the words of a direct quote (put
-- them in quotation marks), else 'reported': reported speech or a mixed quote, the writer's
-- words at least in part, shown as "X said that ...", never in quotation marks.
create or replace macro pw_said_as(statement, wording) as (
    case when exists (
        select 1 from quotes as q
        where q.statement_id = statement and q.kind = 'direct' and trim(q.content) = wording
    ) then 'quoted' else 'reported' end
);
