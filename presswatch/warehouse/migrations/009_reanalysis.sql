-- Re-analysis (`presswatch reanalyse`, flows/reanalyse.py): the NLP run again over the stored
-- texts of a warehouse, so that improvements reach old articles without fetching them again.
-- One row per re-analysis, and what it did to the statements: a statement id never changes,
-- so a statement the new analysis groups or attributes otherwise gets a new id, and this
-- table says where each old one went (merged into one, split in two, replaced, removed).

create table reanalyses (
    reanalysis_id varchar primary key,
    story_id varchar not null,
    started_at timestamptz not null,
    finished_at timestamptz,
    n_articles integer not null,
    n_texts_changed integer not null,
    n_quotes_added integer not null,
    n_quotes_removed integer not null,
    n_quotes_reattributed integer not null,
    n_statements_added integer not null,
    n_statements_removed integer not null,
    n_statements_kept integer not null
);

create table statement_lineage (
    lineage_id varchar primary key,      -- stable_id(reanalysis_id, old id, new id)
    reanalysis_id varchar not null,
    old_statement_id varchar,            -- null: a statement the old analysis did not have
    new_statement_id varchar,            -- null: the new analysis has no such statement
    change varchar not null,             -- merged | split | replaced | removed | added
    n_quotes integer not null            -- quotes that went from the old one to the new one
);

comment on table reanalyses is 'Each re-analysis of the stored texts (presswatch reanalyse) and what it changed.';
comment on column reanalyses.reanalysis_id is 'Id of the re-analysis.';
comment on column reanalyses.story_id is 'The story whose rules and names it used.';
comment on column reanalyses.started_at is 'When it started (UTC).';
comment on column reanalyses.finished_at is 'When its last write landed (UTC); empty if it stopped before.';
comment on column reanalyses.n_articles is 'Stored articles judged and analysed again.';
comment on column reanalyses.n_texts_changed is 'Articles whose raw page today''s extraction reads otherwise: their text and metadata were replaced.';
comment on column reanalyses.n_quotes_added is 'Quotes the new analysis found that the old one had not.';
comment on column reanalyses.n_quotes_removed is 'Quotes the old analysis had that the new one does not.';
comment on column reanalyses.n_quotes_reattributed is 'Quotes kept with another speaker.';
comment on column reanalyses.n_statements_added is 'Statements with an id the warehouse did not have.';
comment on column reanalyses.n_statements_removed is 'Statements whose id the new analysis no longer has.';
comment on column reanalyses.n_statements_kept is 'Statements that kept their id.';

comment on table statement_lineage is 'Where each statement went in a re-analysis: merged, split, replaced by another id, removed or added.';
comment on column statement_lineage.lineage_id is 'Id of the row.';
comment on column statement_lineage.reanalysis_id is 'The re-analysis (see reanalyses).';
comment on column statement_lineage.old_statement_id is 'The statement before; empty for one the new analysis added.';
comment on column statement_lineage.new_statement_id is 'The statement after (see statements); empty for one it removed.';
comment on column statement_lineage.change is 'merged (several old ones into this one), split (one old one into several), replaced (one for one, another id), removed or added.';
comment on column statement_lineage.n_quotes is 'Quotes the old statement and the new one share.';
