"""The .xlsx package: the sheets, the workbook that names them, the styles, the relations.

The parts are the ones Excel itself needs for a workbook of plain values (Office Open XML,
ECMA-376 part 1): ``[Content_Types].xml``, ``_rels/.rels``, ``xl/workbook.xml`` with its
relations, ``xl/styles.xml`` and one ``xl/worksheets/sheetN.xml`` per sheet. The workbook
names each sheet's filtered range (``_xlnm._FilterDatabase``) and its header row as the
rows printed on every page (``_xlnm.Print_Titles``), as Excel does when it saves.
"""

from __future__ import annotations

import zipfile
from typing import IO

from .sheet import Written, escape, write_sheet
from .spec import Column, Workbook

#: zlib level of the package: 1 writes about twice as fast as the default 6, for files
#: about a fifth larger (the XML of a sheet compresses about tenfold either way).
COMPRESSION_LEVEL = 1
#: Uncompressed bytes above which a sheet is stored in ZIP64 (a sheet part may pass 4 GiB).
ZIP64_ESTIMATE = 2**31
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_FONTS = (
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
)
_FILLS = (
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/>'
    "</patternFill></fill></fills>"
)
_BORDERS = (
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left/><right/><top/><bottom style="thin"><color auto="1"/></bottom><diagonal/>'
    "</border></borders>"
)
#: Format 0 is Excel's default; 1 is the header: bold, shaded, a line below, wrapped.
_BASE_FORMATS = (
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" '
    'applyFill="1" applyBorder="1" applyAlignment="1"><alignment vertical="top" wrapText="1"/>'
    "</xf>",
)
#: Custom number formats are numbered from here (lower numbers are Excel's built-in ones).
FIRST_CUSTOM_FORMAT = 164


class Styles:
    """The cell formats of a workbook: Excel's default, the header, then one per column kind.

    Every data cell is top-aligned, so a row made taller by wrapped text reads from its
    first line.
    """

    def __init__(self) -> None:
        self._number_formats: dict[str, int] = {}
        self._formats: dict[tuple[str | None, bool], int] = {}

    def index(self, column: Column) -> int:
        """The format index of the cells of ``column`` (a new one for a new kind)."""
        key = (column.number_format, column.wrap)
        if key not in self._formats:
            self._formats[key] = len(_BASE_FORMATS) + len(self._formats)
            if column.number_format and column.number_format not in self._number_formats:
                number = FIRST_CUSTOM_FORMAT + len(self._number_formats)
                self._number_formats[column.number_format] = number
        return self._formats[key]

    def xml(self) -> str:
        number_formats = "".join(
            f'<numFmt numFmtId="{number}" formatCode="{escape(code)}"/>'
            for code, number in self._number_formats.items()
        )
        formats = [*_BASE_FORMATS]
        for number_format, wrap in self._formats:
            number = self._number_formats.get(number_format or "", 0)
            applied = ' applyNumberFormat="1"' if number else ""
            wrapping = ' wrapText="1"' if wrap else ""
            formats.append(
                f'<xf numFmtId="{number}" fontId="0" fillId="0" borderId="0" xfId="0"{applied} '
                f'applyAlignment="1"><alignment vertical="top"{wrapping}/></xf>'
            )
        return (
            f'{_DECLARATION}<styleSheet xmlns="{_MAIN}">'
            f'<numFmts count="{len(self._number_formats)}">{number_formats}</numFmts>'
            f"{_FONTS}{_FILLS}{_BORDERS}"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            f'</cellStyleXfs><cellXfs count="{len(formats)}">{"".join(formats)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" '
            'defaultPivotStyle="PivotStyleLight16"/></styleSheet>'
        )


def write_workbook(workbook: Workbook, file: str | IO[bytes]) -> None:
    """Write ``workbook`` as an .xlsx file to a path or an open binary file."""
    styles = Styles()
    with zipfile.ZipFile(
        file, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION_LEVEL
    ) as package:
        package.writestr("[Content_Types].xml", _content_types(len(workbook.sheets)))
        package.writestr("_rels/.rels", _root_relations())
        written = []
        for number, sheet in enumerate(workbook.sheets, start=1):
            large = sheet.table.size * 80 > ZIP64_ESTIMATE
            with package.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=large) as out:
                written.append(write_sheet(out, sheet, styles.index, selected=number == 1))
        package.writestr("xl/workbook.xml", _workbook(written))
        package.writestr("xl/_rels/workbook.xml.rels", _workbook_relations(len(written)))
        package.writestr("xl/styles.xml", styles.xml())


def _content_types(n_sheets: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_OFFICE}.worksheet+xml"/>'
        for n in range(1, n_sheets + 1)
    )
    return (
        f"{_DECLARATION}<Types "
        'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_OFFICE}.styles+xml"/>'
        f"{sheets}</Types>"
    )


def _root_relations() -> str:
    return (
        f'{_DECLARATION}<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
        f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    )


def _workbook(sheets: list[Written]) -> str:
    entries = "".join(
        f'<sheet name="{escape(sheet.name)}" sheetId="{n}" r:id="rId{n}"/>'
        for n, sheet in enumerate(sheets, start=1)
    )
    # Excel keeps its defined names sorted by name, then by the name of their sheet
    by_sheet = sorted(enumerate(sheets), key=lambda item: item[1].name.lower())
    names = [
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{_quoted(sheet.name)}!$A$1:${sheet.last_column}${sheet.last_row}</definedName>"
        for i, sheet in by_sheet
    ] + [
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
        f"{_quoted(sheet.name)}!$1:$1</definedName>"
        for i, sheet in by_sheet
    ]
    return (
        f'{_DECLARATION}<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f"<sheets>{entries}</sheets><definedNames>{''.join(names)}</definedNames></workbook>"
    )


def _workbook_relations(n_sheets: int) -> str:
    sheets = "".join(
        f'<Relationship Id="rId{n}" Type="{_RELATIONSHIPS}/worksheet" '
        f'Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, n_sheets + 1)
    )
    return (
        f'{_DECLARATION}<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">{sheets}'
        f'<Relationship Id="rId{n_sheets + 1}" Type="{_RELATIONSHIPS}/styles" '
        'Target="styles.xml"/></Relationships>'
    )


def _quoted(sheet_name: str) -> str:
    """A sheet name as a formula names it: in single quotes, a quote doubled (escaped)."""
    return escape("'" + sheet_name.replace("'", "''") + "'")
