-- Full-text search without the fts extension (it cannot be installed offline): a term table
-- filled for new articles after each load (Warehouse.index_articles) and document lengths, from
-- which the search_articles(q) table macro (views/search_articles.sql) computes BM25.
-- No primary key on article_terms: an index over hundreds of millions of small rows costs more
-- than it protects; the indexer writes each article's terms once and a data check watches it.

create table article_terms (
    article_id varchar not null,
    term varchar not null,
    tf integer not null
);

create table article_lengths (
    article_id varchar primary key,
    doc_length integer not null,
    indexed_at timestamptz not null
);

comment on table article_terms is 'Search index: how often each word occurs in each article (title and text).';
comment on column article_terms.article_id is 'The article (see articles).';
comment on column article_terms.term is 'A word, lower-cased and without accents.';
comment on column article_terms.tf is 'How many times the word occurs in the article.';

comment on table article_lengths is 'Search index: length of each indexed article in words.';
comment on column article_lengths.article_id is 'The article (see articles).';
comment on column article_lengths.doc_length is 'Words in the title and text, as the index counts them.';
comment on column article_lengths.indexed_at is 'When the article was added to the search index (UTC).';
