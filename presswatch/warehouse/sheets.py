"""Results as files a spreadsheet opens right: CSV for Excel, and .xlsx.

Excel on Windows reads a CSV without a byte-order mark as the local code page, so "Città"
arrives as "CittÃ ": the Excel CSV starts with UTF-8's BOM and ends lines with CRLF. Cells hold
page text, and a spreadsheet runs a cell starting with = + - or @ as a formula
(=HYPERLINK(...) in a headline): in the CSV such a cell gets a leading apostrophe, the mark
spreadsheets read as "text, not a formula"; the .xlsx writes every string as a string.
Lists (the outlets of a statement) become one cell, "a; b; c"; times are UTC.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_575  # Excel's limit, less the header row


class TooManyRows(ValueError):
    """A result longer than a worksheet can hold."""


def cell_text(value: Any) -> str:
    """One value as spreadsheet text: lists joined with "; ", times in UTC, None empty."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(cell_text(v) for v in value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _inert(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_excel_csv(sink: IO[str], columns: Sequence[str], rows: Iterable[Sequence[Any]],
                    *, bom: bool = True) -> int:
    """Write the rows as an Excel-ready CSV (BOM, CRLF, formulas made text); returns the
    number of rows. bom=False continues a file whose first part already has it."""
    if bom:
        sink.write(BOM)
    writer = csv.writer(sink, lineterminator="\r\n")
    if columns:
        writer.writerow(columns)
    n = 0
    for row in rows:
        writer.writerow([v if isinstance(v, int | float) and not isinstance(v, bool)
                         else _inert(cell_text(v)) for v in row])
        n += 1
    return n


def excel_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    write_excel_csv(buffer, columns, rows)
    return buffer.getvalue()


def _write_cell(worksheet: Any, row: int, column: int, value: Any, day: Any) -> None:
    """One value into its cell by its type: numbers as numbers, times as Excel times in UTC,
    dates with the day format, anything else as text (an empty text leaves the cell empty).
    The typed xlsxwriter calls skip write()'s dispatch, a third of the time of a big sheet."""
    if type(value) is str:  # a subclass (Markup) goes through cell_text as a plain str
        if value:
            worksheet.write_string(row, column, value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        worksheet.write_number(row, column, value)
    elif isinstance(value, datetime):
        worksheet.write_datetime(
            row, column, value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value)
    elif isinstance(value, date):
        worksheet.write_datetime(row, column, datetime(value.year, value.month, value.day), day)
    else:
        text = cell_text(value)
        if text:
            worksheet.write_string(row, column, text)


def write_xlsx(target: Path | IO[bytes], columns: Sequence[str],
               rows: Iterable[Sequence[Any]], sheet: str = "result",
               created: datetime | None = None) -> int:
    """Write the rows as one worksheet (bold, frozen header; times as Excel times in UTC);
    returns the number of rows. Raises TooManyRows past Excel's 1,048,576 rows. The file says
    it was made at `created` (default now): the same rows and time give the same bytes."""
    import xlsxwriter

    options = {"strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False, "remove_timezone": True,
               "default_date_format": "yyyy-mm-dd hh:mm"}
    if isinstance(target, Path):
        options["constant_memory"] = True  # rows go to disk as written: any size, little RAM
    else:
        options["in_memory"] = True
    workbook = xlsxwriter.Workbook(target if not isinstance(target, Path) else str(target),
                                   options)
    try:
        if created is not None:
            workbook.set_properties({"created": created.astimezone(UTC)})
        worksheet = workbook.add_worksheet(sheet[:31])
        bold = workbook.add_format({"bold": True})
        day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        worksheet.write_row(0, 0, list(columns), bold)
        worksheet.freeze_panes(1, 0)
        n = 0
        for n, row in enumerate(rows, start=1):
            if n > XLSX_MAX_ROWS:
                raise TooManyRows(f"more than {XLSX_MAX_ROWS:,} rows: more than a worksheet "
                                  "holds; write a .csv or .parquet instead")
            for column, value in enumerate(row):
                _write_cell(worksheet, n, column, value, day)
    finally:
        workbook.close()
    return n


def xlsx_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]],
               sheet: str = "result", created: datetime | None = None) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, columns, rows, sheet, created)
    return buffer.getvalue()
