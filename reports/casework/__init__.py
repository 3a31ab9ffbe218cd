"""Casework pages (/casework/): the publication calendar and what changed on trusts' websites; views, urls and
tables here, templates in reports/templates/reports/casework/, the domain in audits/calendar.py and
audits/site_changes.py."""
