"""Formatted Excel workbooks: the tables a node returns, and the writer the catalog uses.

A node builds a :class:`Workbook`, plain data: one :class:`Sheet` per table, with the number
format, width or text wrapping of any column that needs one (:mod:`.spec`). The catalog's
``customer_segmentation.datasets.FormattedExcelDataset`` writes it with
:func:`write_workbook`: every sheet gets a bold header row that stays in view when scrolling
(frozen, with the sheet's first column), an auto-filter over the table, column widths and
row heights sized from the values (:mod:`.layout`), and prints in landscape with the header
on every page.

The writer streams SpreadsheetML itself (:mod:`.sheet`, :mod:`.writer`): each column's cells
are made in one pass over its values, a chunk of rows at a time, so a sheet of a million
customers costs about a microsecond a cell and one chunk of memory; a general-purpose
library spends several microseconds a cell. Cells keep their full values (a share stays
0.1328..., shown as 13.3 %), so sorting, filtering and sums are exact; text is always text:
a name that starts with ``=`` never becomes a formula.
"""

from .spec import MAX_ROWS, Column, Sheet, Workbook
from .writer import write_workbook

__all__ = ["MAX_ROWS", "Column", "Sheet", "Workbook", "write_workbook"]
