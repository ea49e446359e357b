"""The plain run logic the flows, the command line and the benches share: no Prefect here.

    context.py    who a run is and where it keeps its work; its counts and its end
    staging.py    the staging folder's layout: what waits there to load, and loading it
    analysis.py   extract, judge, parse and assign statements, batch by batch (every run)
    daily.py      the stages of a day's run: begin, crawl, process, finish
    held.py       the same run while another process holds the warehouse file
    backfill.py   a story's past from news archives, unit by unit
    reanalyse.py  a stored story analysed again with today's code
    settings.py   command-line arguments and the environment made into a run's settings
    summary.py    a run in figures, and its markdown summary
"""
