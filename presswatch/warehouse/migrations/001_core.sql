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

-- One line per table and column, in an analyst's words: `describe`, `duckdb_tables()` and
-- `duckdb_columns()` show them.
comment on table runs is 'One row per daily run: when it ran, how it ended and what it added.';
comment on column runs.run_id is 'Id of the run.';
comment on column runs.story_id is 'The story the run followed (from the story file).';
comment on column runs.started_at is 'When the run started (UTC).';
comment on column runs.finished_at is 'When the run ended (UTC); empty while it runs or if it died.';
comment on column runs.status is 'running, ok, partial (some sources failed) or failed.';
comment on column runs.n_sources is 'Feeds and sitemaps read in this run.';
comment on column runs.n_sources_failed is 'Feeds and sitemaps that could not be read.';
comment on column runs.n_pages_fetched is 'Pages downloaded in this run.';
comment on column runs.n_articles_added is 'Articles stored for the first time by this run.';
comment on column runs.n_quotes_added is 'Quotes stored by this run.';
comment on column runs.n_statements_new is 'Statements seen for the first time in this run.';
comment on column runs.message is 'What went wrong, when something did.';

comment on table sources is 'Each feed and sitemap the story reads, with its last known state.';
comment on column sources.source_id is 'Id of the source (hash of its URL).';
comment on column sources.kind is 'feed or sitemap.';
comment on column sources.url is 'Address of the feed or sitemap.';
comment on column sources.name is 'Name given in the story file, if any.';
comment on column sources.etag is 'ETag of the last response, sent back so an unchanged feed costs one 304.';
comment on column sources.last_modified is 'Last-Modified of the last response, sent back likewise.';
comment on column sources.last_status is 'HTTP status of the last attempt.';
comment on column sources.last_error is 'Why the last attempt failed; empty when it worked.';
comment on column sources.last_checked_at is 'When the source was last read (UTC).';
comment on column sources.last_ok_at is 'When the source was last read without error (UTC).';

comment on table source_runs is 'What each source gave in each run.';
comment on column source_runs.run_id is 'The run (see runs).';
comment on column source_runs.source_id is 'The source (see sources).';
comment on column source_runs.status is 'ok, not_modified (HTTP 304) or failed.';
comment on column source_runs.n_candidates is 'Article links the source listed.';
comment on column source_runs.n_new is 'Links not stored before.';
comment on column source_runs.n_fetched is 'Pages fetched from those links.';
comment on column source_runs.n_failed is 'Pages that could not be fetched or read.';
comment on column source_runs.reason is 'Why the source failed, when it did.';

comment on table pages is 'Fetch log: every page the crawler asked for, per run, and what came back.';
comment on column pages.url is 'The address asked for (canonical form).';
comment on column pages.run_id is 'The run that fetched it (see runs).';
comment on column pages.final_url is 'Where the page ended after redirects.';
comment on column pages.status is 'HTTP status; empty when no response came.';
comment on column pages.content_type is 'Content-Type of the response.';
comment on column pages.reason is 'Why no article came from it (robots.txt, 404, too large, no text...).';
comment on column pages.fetched_at is 'When it was fetched (UTC).';
comment on column pages.source_url is 'The feed or sitemap that listed it.';

comment on table articles is 'One row per article, stored once however often it is found.';
comment on column articles.article_id is 'Id of the article (hash of its canonical URL).';
comment on column articles.url is 'The address it was fetched from.';
comment on column articles.canonical_url is 'The article''s own address, without tracking parameters.';
comment on column articles.outlet is 'The publication (site name or host).';
comment on column articles.title is 'Headline.';
comment on column articles.authors is 'Bylines, as printed.';
comment on column articles.published_at is 'Publication time given by the page (UTC); empty when it gives none.';
comment on column articles.language is 'Language code of the text (en, fr, ...).';
comment on column articles.text is 'Main text of the article, without navigation or ads.';
comment on column articles.word_count is 'Words in the text.';
comment on column articles.fetched_at is 'When the page was downloaded (UTC).';
comment on column articles.first_seen_at is 'When presswatch stored it (UTC).';
comment on column articles.source_url is 'The feed or sitemap where it was found.';
comment on column articles.run_id is 'The run that stored it (see runs).';
comment on column articles.relevance_score is 'How closely it is about the story (higher is closer).';
comment on column articles.is_relevant is 'Whether it is about the story.';
comment on column articles.relevance_reasons is 'Why it scored so: which terms and names, and where.';
comment on column articles.cluster_id is 'Earliest copy of this text (syndication); equal to article_id for originals.';
comment on column articles.nlp_status is 'done, skipped:<reason>, or empty while not analysed yet.';

comment on table raw_pages is 'The downloaded HTML of each article, gzip-compressed, for re-analysis.';
comment on column raw_pages.article_id is 'The article (see articles).';
comment on column raw_pages.html_gz is 'Raw HTML, gzip-compressed.';

comment on table entities is 'Names found in articles: people, organisations, products, places.';
comment on column entities.article_id is 'The article (see articles).';
comment on column entities.text is 'The name as written.';
comment on column entities.label is 'Kind of name: PERSON, ORG, PRODUCT, GPE, ...';
comment on column entities.start_char is 'Where it starts in the article text (0-based character).';
comment on column entities.end_char is 'Where it ends in the article text (exclusive).';
comment on column entities.canonical is 'The story''s name for it when it is a known entity (aliases unified).';

comment on table statements is 'One row per thing one speaker said, however many articles quote it.';
comment on column statements.statement_id is 'Id of the statement, fixed when first seen.';
comment on column statements.speaker is 'Who said it (unified name).';
comment on column statements.speaker_role is 'The speaker''s role, e.g. OpenAI spokesperson.';
comment on column statements.organisation is 'The organisation the speaker speaks for.';
comment on column statements.text is 'The fullest wording found.';
comment on column statements.first_seen_at is 'When it first appeared (UTC).';
comment on column statements.first_article_id is 'The article where it first appeared (see articles).';
comment on column statements.n_articles is 'Articles that quote it.';
comment on column statements.n_outlets is 'Outlets that quote it.';

comment on table quotes is 'Each quote in each article, with its place in the text and its statement.';
comment on column quotes.quote_id is 'Id of the quote.';
comment on column quotes.article_id is 'The article (see articles).';
comment on column quotes.content is 'The words quoted, exactly as in the article text.';
comment on column quotes.cue is 'The reporting verb or cue (said, told, wrote...).';
comment on column quotes.kind is 'direct (in quotation marks), indirect, or mixed.';
comment on column quotes.speaker_text is 'The speaker as written in this article.';
comment on column quotes.speaker is 'The speaker, unified across articles.';
comment on column quotes.speaker_role is 'The speaker''s role as given in this article.';
comment on column quotes.start_char is 'Where the quoted words start in the article text (0-based character).';
comment on column quotes.end_char is 'Where they end in the article text (exclusive).';
comment on column quotes.confidence is 'How sure the attribution is, 0 to 1.';
comment on column quotes.statement_id is 'The statement this quote repeats (see statements).';

comment on table alerts is 'Alerts raised, one per alert and channel, with their delivery state.';
comment on column alerts.alert_id is 'Id of the alert on this channel.';
comment on column alerts.statement_id is 'The statement alerted on, if any (see statements).';
comment on column alerts.rule is 'The rule that raised it (new statement, spike, digest...).';
comment on column alerts.channel is 'webhook, email or console.';
comment on column alerts.created_at is 'When the alert was raised (UTC).';
comment on column alerts.status is 'pending, delivered or failed.';
comment on column alerts.attempts is 'Delivery attempts so far.';
comment on column alerts.last_error is 'Why the last delivery failed.';
comment on column alerts.delivered_at is 'When it was delivered (UTC).';
comment on column alerts.payload is 'What was sent, as JSON.';
