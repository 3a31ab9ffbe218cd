"""Tables of many rows whose cells are written in Python.

django-tables2 renders each cell through accessors, a signature inspection and the template's per-cell loop,
which cost more than the cells themselves on a page of hundreds. A table that mixes in RowsWrittenInPython
writes each row's cells in `row_cells(record)`, each value escaped (html.escape, as Django's escape without its
lazy wrapper); django-tables2 still gives the head, the sorting and the pagination.
"""

from django.utils.safestring import SafeString, mark_safe
from django_tables2.rows import BoundRow

WRITTEN_ROWS_TEMPLATE = "includes/govuk_table_written.html"


class WrittenRow(BoundRow):
    def html_cells(self) -> SafeString:
        """The row's cells as HTML, the first as the row's header, as includes/govuk_table.html writes them."""
        header, *cells = self.table.row_cells(self.record)
        return mark_safe(
            f'<th scope="row" class="govuk-table__header">{header}</th>'
            + "".join(f'<td class="govuk-table__cell">{cell}</td>' for cell in cells)
        )


class RowsWrittenInPython:
    """Mix in before tables.Table, set Meta.template_name = WRITTEN_ROWS_TEMPLATE and write row_cells(record):
    a list of HTML strings, one per column, in the columns' order."""

    @property
    def paginated_rows(self):
        return [WrittenRow(row.record, table=self) for row in super().paginated_rows]

    def row_cells(self, record) -> list[str]:
        raise NotImplementedError
