"""Word lists for relevance, syndication and statements (read through nlp.data.word_list)."""
