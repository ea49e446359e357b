-- Google News links decoded through Google (the article page's signature, then one
-- batchexecute POST per batch): each link is decoded once, and later runs go straight to the
-- publisher. A failure keeps its reason and is tried again by later runs, up to a few times.

create table link_decodes (
    link_url varchar primary key,
    source_url varchar,
    publisher_url varchar,
    error varchar,
    n_attempts integer not null,
    first_tried_at timestamptz not null,
    last_tried_at timestamptz not null
);

comment on table link_decodes is 'Each Google News link a feed listed and what decoding it gave: the publisher''s URL, or why there is none.';
comment on column link_decodes.link_url is 'The Google News link, as the feed listed it (canonical form).';
comment on column link_decodes.source_url is 'The feed that listed it.';
comment on column link_decodes.publisher_url is 'The publisher''s URL Google gave for it; empty while not decoded.';
comment on column link_decodes.error is 'Why the last attempt gave no URL (Google''s error answer, HTTP 429...); empty once decoded.';
comment on column link_decodes.n_attempts is 'Attempts so far; a link that failed this often is no longer asked for.';
comment on column link_decodes.first_tried_at is 'When it was first asked for (UTC).';
comment on column link_decodes.last_tried_at is 'When it was last asked for (UTC).';
