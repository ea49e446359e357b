-- Languages of the period's articles (as detected from their text): how many, how many about
-- the story, and how many of those were read for quotes and names. Quotes and names are read in
-- the languages the NLP model knows (English); an article about the story in another language
-- is counted here, never silently dropped (n_not_analysed, with the reason the run recorded).
select
    coalesce(a.language, 'unknown') as language,
    count(*) as n_articles,
    count(*) filter (where a.is_relevant) as n_relevant,
    count(*) filter (where a.is_relevant and a.nlp_status = 'done') as n_analysed,
    count(*) filter (where a.is_relevant and a.nlp_status like 'skipped:language%')
        as n_not_analysed,
    string_agg(distinct a.outlet_name, ', ' order by a.outlet_name)
        filter (where a.is_relevant and a.nlp_status like 'skipped:language%')
        as not_analysed_outlets
from dated_articles($since) as a
group by all
order by n_relevant desc, n_articles desc, language;
