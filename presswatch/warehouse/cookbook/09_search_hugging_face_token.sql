-- Which articles talk about the Hugging Face page and the API token (ranked search)?
select outlet, title, round(score, 2) as score, snippet
from search_articles('hugging face api token')
where is_relevant
limit 10;
