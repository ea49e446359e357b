-- Core tables. Forward-only: never edit a migration that has shipped, add the next number.
-- Ids are deterministic hashes (presswatch.records.stable_id), times are UTC timestamptz.

create table runs (
    run_id varchar primary key,
    story_id varchar not null,
    started_at timestamptz not null,
    finished_at timestamptz,
    status varchar not null,             -- running | ok | partial | failed
    n_sources integer,
    n_sources_failed integer,
    n_pages_fetched integer,
    n_articles_added integer,
    n_quotes_added integer,
    n_statements_new integer,
    message varchar
);

create table sources (
    source_id varchar primary key,       -- stable_id(url)
    kind varchar not null,               -- feed | sitemap
    url varchar not null,
    name varchar,
    etag varchar,
    last_modified varchar,
    last_status integer,
    last_error varchar,
    last_checked_at timestamptz,
    last_ok_at timestamptz
);

create table source_runs (
    run_id varchar not null,
    source_id varchar not null,
    status varchar not null,             -- ok | not_modified | failed
    n_candidates integer not null,
    n_new integer not null,
    n_fetched integer not null,
    n_failed integer not null,
    reason varchar,
    primary key (run_id, source_id)
);

create table pages (
    url varchar not null,
    run_id varchar not null,
    final_url varchar,
    status integer,
    content_type varchar,
    reason varchar,
    fetched_at timestamptz not null,
    source_url varchar,
    primary key (url, run_id)
);

create table articles (
    article_id varchar primary key,      -- stable_id(canonical_url)
    url varchar not null,
    canonical_url varchar not null,
    outlet varchar not null,
    title varchar,
    authors varchar[],
    published_at timestamptz,
    language varchar,
    text varchar not null,
    word_count integer not null,
    fetched_at timestamptz not null,
    first_seen_at timestamptz not null,
    source_url varchar,
    run_id varchar not null,
    relevance_score double,
    is_relevant boolean,
    relevance_reasons varchar[],
    cluster_id varchar,
    nlp_status varchar                    -- done | skipped:<reason> | null (not analysed yet)
);

create table raw_pages (
    article_id varchar primary key,
    html_gz blob not null
);

create table entities (
    article_id varchar not null,
    text varchar not null,
    label varchar not null,
    start_char integer not null,
    end_char integer not null,
    canonical varchar,
    primary key (article_id, start_char, end_char, label)
);

create table statements (
    statement_id varchar primary key,
    speaker varchar not null,
    speaker_role varchar,
    organisation varchar,
    text varchar not null,
    first_seen_at timestamptz not null,
    first_article_id varchar not null,
    n_articles integer not null,
    n_outlets integer not null
);

create table quotes (
    quote_id varchar primary key,        -- stable_id(article_id, start, end)
    article_id varchar not null,
    content varchar not null,
    cue varchar,
    kind varchar not null,
    speaker_text varchar,
    speaker varchar,
    speaker_role varchar,
    start_char integer not null,
    end_char integer not null,
    confidence double not null,
    statement_id varchar
);

create table alerts (
    alert_id varchar primary key,        -- stable_id(statement_id or rule key, channel)
    statement_id varchar,
    rule varchar not null,
    channel varchar not null,
    created_at timestamptz not null,
    status varchar not null,             -- pending | delivered | failed
    attempts integer not null,
    last_error varchar,
    delivered_at timestamptz,
    payload json
);
