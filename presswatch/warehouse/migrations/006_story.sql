-- What the warehouse knows of the story file, so that reports and views read it without it:
-- its title and start date (the report marks the start on its charts, the relevance audit
-- shows the threshold), and the story's optional [[outlets]] table, which names outlets whose
-- pages and feeds name nothing. Written at the start of every run from the story file.

create table stories (
    story_id varchar primary key,
    title varchar not null,
    start_date date not null,
    description varchar,
    relevance_threshold double not null,
    updated_at timestamptz not null
);

create table story_outlets (
    outlet varchar primary key,
    name varchar not null,
    story_id varchar not null,
    updated_at timestamptz not null
);

comment on table stories is 'Each story followed: title, start date and relevance threshold, as its story file gave them at the last run.';
comment on column stories.story_id is 'Id of the story (from the story file; see runs.story_id).';
comment on column stories.title is 'Title of the story.';
comment on column stories.start_date is 'The day the story started (the story file''s start_date).';
comment on column stories.description is 'What the story is about.';
comment on column stories.relevance_threshold is 'Relevance score from which an article counts as about the story.';
comment on column stories.updated_at is 'When a run last wrote this row (UTC).';

comment on table story_outlets is 'Outlet names given by a story file''s [[outlets]] table (host -> name), for outlets whose pages and feeds name nothing.';
comment on column story_outlets.outlet is 'The outlet as articles.outlet holds it (its web domain, or host).';
comment on column story_outlets.name is 'The name to show for it.';
comment on column story_outlets.story_id is 'The story file that named it.';
comment on column story_outlets.updated_at is 'When a run last wrote this row (UTC).';
