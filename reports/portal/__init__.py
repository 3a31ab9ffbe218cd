"""The trust portal (/my/): a trust user's own status per published cycle, its evidence and its answers.

Views and URLs here, templates in reports/templates/reports/portal/; the answer itself (rules, form, staff
inbox) is audits/responses/; the trust's letters are pages of reports/letters/.
"""
