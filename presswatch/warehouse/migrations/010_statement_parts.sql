-- A statement quoted in part: one outlet quotes a whole paragraph, another one sentence of it
-- (or five words or more from inside one). The excerpt is a statement of its own
-- (nlp/statements.py, is_excerpt), and part_of says which fuller statement it belongs to, so
-- the paragraph's reach counts its parts and a part never alerts as something new.

alter table statements add column part_of varchar;

comment on column statements.part_of is 'The fuller statement this one is an excerpt of: some of its sentences, or five words or more from inside one (see statements.statement_id); null when it is the whole, as far as known.';
