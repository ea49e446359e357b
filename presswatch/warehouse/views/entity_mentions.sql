-- Every name the NLP found, with the reason it is not news about the story when it is not.
-- The small English model tags whatever looks like a name, and news pages carry names that are
-- part of the page, not of the story. General rules, never lists of names:
--   byline       a writer of the article (articles.authors), or a name in a "By X" line or a
--                credit line: "(Reporting by Lena Hartmann; Editing by Mark Ebersole)"
--   dateline     the capitals heading a wire story: "SAN FRANCISCO, Nov 26 (Wirewire) -"
--   market line  the wire's stock line about a company: "Shares of Microsoft were little
--                changed in extended trading.", "Microsoft-backed OpenAI was valued at $157
--                billion ..."
--   headline     a title in capitals tagged as a work ("ARTISTS ARE NOT YOUR UNPAID R&D"), or
--                an article's headline
--   not a place  a capitals-only word tagged a place that no article puts anything in, from,
--                or across ("AI tools", "against AI": not a place; "in the US": a place)
-- entity_mentions_daily and the report's rising and falling names leave the noise out.
create or replace view entity_mentions as
with windows as (
    select
        e.*,
        a.authors,
        a.title,
        substring(a.text, greatest(1, e.start_char - 299), least(e.start_char, 300)) as before,
        substring(a.text, e.end_char + 1, 300) as after,
        -- The text up to the name only where a dateline can be (the page's first 60
        -- characters): never a copy of the text before every name (352,608 names of 10,000
        -- articles made that 1.2 GB).
        case when e.start_char < 60 then substring(a.text, 1, e.end_char) end as head,
        regexp_full_match(e.text, '[^a-z]*[A-Z][^a-z]*') as is_capitals
    from entities as e
    inner join articles as a on a.article_id = e.article_id
),

located as (
    select
        *,
        -- The sentence the mention stands in (a line break ends one too), and whether it sits
        -- inside brackets that open before it and close after it.
        regexp_extract(before, '[^.!?\n]*$') || text || regexp_extract(after, '^[^.!?\n]*')
            as sentence,
        regexp_extract(before, '(?:^|\n)([^\n]*)$', 1) as line_start,
        regexp_matches(before, '\([^()]*\bby\b[^()]*$') and regexp_matches(after, '^[^()]*\)')
            as in_credit,
        regexp_matches(before, '(?i)\b(in|from|across|throughout|within|inside|near|around)'
            || '\s+(the\s+)?(\S+\s+(and|or)\s+)?$') as is_located
    from windows
),

-- Every rule that reads the mention's own lines; "not a place" (below) looks across all
-- mentions of the name, so it comes last, over narrow rows: a window over these wide ones
-- held every mention's text windows in memory at once.
judged as (
    select
        article_id, text, label, start_char, end_char, canonical, is_capitals, is_located,
        case
            when list_contains(list_transform(coalesce(authors, []), lambda x: lower(trim(x))),
                               lower(trim(text)))
                or in_credit
                or (label = 'PERSON' and regexp_matches(line_start, '^\s*By\s+[^.!?,]*$')
                    and regexp_matches(after, '^[^\n]{0,60}(\n|$)'))
                then 'byline'
            when is_capitals and label in ('GPE', 'LOC', 'NORP', 'ORG') and (
                    (start_char < 60 and regexp_full_match(head, '\s*[^a-z]+'))
                    or regexp_matches(after, '^,\s*\p{Lu}[a-z]{2,8}\.?\s+\d{1,2}\b'))
                then 'dateline'
            when label in ('ORG', 'PERSON', 'PRODUCT', 'GPE', 'NORP')
                and regexp_matches(sentence,
                    '(?i)\bshares (of|in)\b|\b(shares|stock) (rose|fell|closed|were|was|gained|'
                    || 'lost|traded|ended)\b|\bstock (price|market)\b|\bvalued at\b|'
                    || '\bmarket (value|capitali[sz]ation)\b')
                then 'market line'
            when label = 'WORK_OF_ART' and (
                    (is_capitals and length(text) - length(replace(text, ' ', '')) >= 2)
                    or lower(trim(text, ' "''“”‘’')) = lower(trim(coalesce(title, ''))))
                then 'headline'
        end as line_noise
    from located
)

select
    article_id, text, label, start_char, end_char, canonical,
    coalesce(line_noise, case
        when is_capitals and label in ('GPE', 'LOC')
            and not bool_or(is_located) over (partition by text)
            then 'not a place'
    end) as noise
from judged;

comment on view entity_mentions is 'Every name found in the articles, with noise saying why it is not news about the story when it is not (byline, dateline, market line, headline, not a place).';
comment on column entity_mentions.article_id is 'The article (see articles).';
comment on column entity_mentions.text is 'The name as the article writes it.';
comment on column entity_mentions.label is 'Kind of name: PERSON, ORG, PRODUCT, GPE (a place), WORK_OF_ART, ...';
comment on column entity_mentions.start_char is 'Where it starts in articles.text (0-based).';
comment on column entity_mentions.end_char is 'Where it ends in articles.text.';
comment on column entity_mentions.canonical is 'The story''s name for it, when it is one of the story''s entities.';
comment on column entity_mentions.noise is 'Null for a name in the news; else why not: byline (a writer or editor of the article), dateline (the place heading a wire story), market line (a stock or valuation line), headline (a title tagged as a work), not a place (capitals tagged a place that nothing is in or from).';
