-- Synthetic warehouse for bench/warehouse.py: getvariable('n_articles') articles over 60 days,
-- 5 quotes each (every quote's offsets point at its words, so the data checks hold), 2 entities
-- each, one statement per 20 articles, 500 outlets, 2000 speakers.

insert into runs
select 'run' || i, 'bench', timestamptz '2024-11-01 00:00:00+00' + i * interval 2 day,
    timestamptz '2024-11-01 00:30:00+00' + i * interval 2 day, 'ok', 50, 1, 1000, 1000, 5000,
    100, null
from range(30) as t(i);

insert into articles
with numbered as (
    select
        i,
        'https://bench.example/' || i as url,
        timestamptz '2024-11-01 00:00:00+00' + (i % 86400) * interval 1 minute as published_at
    from range(getvariable('n_articles')) as t(i)
)
select
    left(sha256(url), 16),
    url,
    url,
    'Outlet ' || (i % 500),
    'Headline ' || i,
    ['Author ' || (i % 1000)],
    published_at,
    'en',
    array_to_string(list_transform(range(5), lambda j:
        '"statement number ' || lpad(((i * 5 + j) % getvariable('n_statements'))::varchar, 8, '0')
        || '" said OpenAI. '), ''),
    20,
    published_at + interval 1 hour,
    published_at + interval 1 hour,
    'https://feed.example/' || (i % 50),
    'run' || (i % 30),
    (i % 100) / 100.0,
    i % 3 <> 0,
    ['title:sora'],
    left(sha256('https://bench.example/' || (i - i % 7)), 16),
    'done',
    'The Outlet ' || (i % 500)
from numbered;

insert into quotes
select
    printf('%016x', hash(i * 5 + j)),
    left(sha256('https://bench.example/' || i), 16),
    'statement number ' || lpad(((i * 5 + j) % getvariable('n_statements'))::varchar, 8, '0'),
    'said',
    'direct',
    'OpenAI',
    'Speaker ' || (((i * 5 + j) % getvariable('n_statements')) % 2000),
    'spokesperson',
    j * 41 + 1,
    j * 41 + 26,
    0.9,
    printf('s%08d', (i * 5 + j) % getvariable('n_statements'))
from range(getvariable('n_articles')) as a(i), range(5) as q(j);

insert into entities
select
    left(sha256('https://bench.example/' || i), 16), 'OpenAI', 'ORG', j * 41 + 33, j * 41 + 39,
    'OpenAI'
from range(getvariable('n_articles')) as a(i), range(2) as e(j);

insert into statements
select
    printf('s%08d', s),
    'Speaker ' || (s % 2000),
    'spokesperson',
    'OpenAI',
    'statement number ' || lpad(s::varchar, 8, '0'),
    timestamptz '2024-11-01 00:00:00+00' + ((s // 5) % 86400) * interval 1 minute,
    left(sha256('https://bench.example/' || (s // 5)), 16),
    0,
    0,
    -- every tenth statement quotes a sentence of the one before it alone
    case when s % 10 = 9 then printf('s%08d', s - 1) end
from range(getvariable('n_statements')) as t(s);

update statements set n_articles = c.n_articles, n_outlets = c.n_outlets
from (
    select q.statement_id, count(distinct q.article_id) as n_articles,
        count(distinct a.outlet) as n_outlets
    from quotes as q
    inner join articles as a on a.article_id = q.article_id
    group by q.statement_id
) as c
where statements.statement_id = c.statement_id;
