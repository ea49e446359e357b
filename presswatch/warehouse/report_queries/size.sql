-- How big the report can be: every statement in the warehouse (the report shows those of its
-- period). A big report makes its charts and downloads in a second process, started before
-- the other queries run.
select count(*) as n_statements
from statements;
