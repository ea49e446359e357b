-- The outlet's own name as its pages give it (og:site_name), beside the domain that identifies
-- it: "The Daily Circuit" reads better than "dailycircuit.example" in a report or an alert.
alter table articles add column site_name varchar;

comment on column articles.site_name is 'The outlet''s name as its pages give it (og:site_name); empty when they do not.';
