-- Syndication state kept between runs (nlp/syndication.py), so that a run matches its new
-- articles against stored MinHash signatures instead of re-reading every stored text.
-- And the vocabulary of each statement (nlp/statements.py), so that a later paraphrase is
-- compared with every version of it seen so far, not only with its text.
-- Rows are nlp.syndication.ArticleSignature and SignatureBand and nlp.statements.
-- StatementFingerprint: their fields are the column names.

create table article_signatures (
    article_id varchar primary key,
    cluster_id varchar not null,
    published_at timestamptz,
    first_seen_at timestamptz not null,
    text_hash varchar not null,
    n_shingles integer not null,
    minhash blob not null
);

-- One row per LSH band of each signature: new articles' band keys find their candidate copies
-- with one join, whatever the size of the warehouse.
create table signature_bands (
    band_key varchar not null,
    article_id varchar not null,
    primary key (band_key, article_id)
);

create table statement_fingerprints (
    statement_id varchar primary key,
    words varchar[] not null
);

create index article_signatures_text_hash on article_signatures (text_hash);
create index article_signatures_cluster on article_signatures (cluster_id);

comment on table article_signatures is 'Fingerprint of each article''s text, to find copies of it in later runs.';
comment on column article_signatures.article_id is 'The article (see articles).';
comment on column article_signatures.cluster_id is 'Its cluster: the article_id of the earliest copy (same as articles.cluster_id).';
comment on column article_signatures.published_at is 'Publication time of the article (UTC), which decides the earliest copy.';
comment on column article_signatures.first_seen_at is 'When presswatch first stored the article (UTC), the tie-breaker.';
comment on column article_signatures.text_hash is 'Hash of the article''s words, case and accents folded: equal for exact copies.';
comment on column article_signatures.n_shingles is 'Number of distinct five-word sequences in the text (0: too short to compare).';
comment on column article_signatures.minhash is 'MinHash of the five-word sequences (128 little-endian uint32 values).';

comment on table signature_bands is 'Locality-sensitive hashing buckets of each signature: copies share a bucket.';
comment on column signature_bands.band_key is 'Band number and hash of that band of the MinHash.';
comment on column signature_bands.article_id is 'The article (see article_signatures).';

comment on table statement_fingerprints is 'Words used by every version of each statement, to recognise it when quoted again.';
comment on column statement_fingerprints.statement_id is 'The statement (see statements).';
comment on column statement_fingerprints.words is 'Content words (stemmed, negated ones marked not:) of every quote of the statement.';
