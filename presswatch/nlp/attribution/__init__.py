"""Who said what: quotes, their cues, content and speakers, resolved to actors.

- record.py: the quote record all steps share (`RawQuote`) and how it rides on a `Doc`
- marks.py: quotation marks and block quotes in the text
- cues.py: the reporting words and the rules that make a quote of them (`presswatch_quotes`)
- content.py: what a cue reports (the content span), one rule per sentence shape
- speakers.py: which words name the speaker (the mention)
- actors.py: who the mention is (`presswatch_speakers`): names, kinds, pronouns, roles
- confidence.py: how sure each statement is

Importing the package registers both spaCy factories.
"""

from presswatch.nlp.attribution import actors, cues  # noqa: F401  (register the factories)
