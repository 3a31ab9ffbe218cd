"""The crawler: reads one trust website politely and decides each duty from what it read.

`fetching` (the polite, hardened HTTP client), `extraction` (a response's text, headings and
links, by format), `matching` (scoring documents against a duty's evidence rules, and the
verdict), `crawling` (the best-first crawl of one site). It imports no Django, so it can be
tested and benchmarked on its own; `audits.services` connects it to the database.
"""
