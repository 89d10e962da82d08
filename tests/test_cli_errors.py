"""The one-line messages of ``kedro run`` for reader and configuration errors.

The reader messages below are the ones DuckDB 1.5 and pandas 3 give (captured from real runs;
only the file path and the line are filled in), so a change in their wording shows up here
first; two tests run DuckDB itself on a broken file for the same reason.
"""

from __future__ import annotations

import copy
import gzip
import logging
from pathlib import Path

import click
import duckdb
import pytest
import yaml
from kedro.config import MissingConfigException
from kedro.framework.project import LOGGING
from kedro.io import DatasetError
from omegaconf import OmegaConf

from customer_segmentation import cli
from customer_segmentation.diagnostics.config_errors import config_error_line, yaml_fix
from customer_segmentation.diagnostics.csv_structure import (
    Columns,
    structure_problem,
    unquoted_delimiter,
)
from customer_segmentation.diagnostics.dataset_errors import dataset_error_line, input_error_line
from customer_segmentation.diagnostics.file_content import (
    CsvFile,
    content_problem,
    encoding_problem,
)
from customer_segmentation.diagnostics.messages import FileProblem
from customer_segmentation.diagnostics.project import Project
from customer_segmentation.diagnostics.reader_messages import (
    csv_reader_problem,
    parse_reader_message,
    summary_of,
)
from customer_segmentation.errors import InputValidationError
from tests.conftest import PROJECT_ROOT

HEADER = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
GOOD = [
    "489434,85048,15CM CHRISTMAS GLASS BALL 20 LIGHTS,12,2009-12-01 07:45:00,6.95,13085,United Kingdom\n",
    "489434,79323P,PINK CHERRY LIGHTS,12,2009-12-01 07:45:00,6.75,13085,United Kingdom\n",
    "489435,22350,CAT BOWL,12,2009-12-01 07:46:00,2.10,13085,France\n",
    '489436,21523,"DOORMAT FANCY FONT, HOME SWEET HOME",10,2009-12-01 09:06:00,5.95,13078,Germany\n',
]

# ---- messages as the readers give them ------------------------------------------------------

SETTINGS = """
  file = {path}
  delimiter = , (Auto-Detected)
  quote = " (Auto-Detected)
  escape = " (Auto-Detected)
  new_line = \\n (Auto-Detected)
  header = true (Set By User)
  skip_rows = 0 (Auto-Detected)
  comment = (empty) (Auto-Detected)
  strict_mode = true (Auto-Detected)
  date_format =  (Auto-Detected)
  timestamp_format =  (Auto-Detected)
  null_padding = 0
  sample_size = 20480
  ignore_errors = false
  all_varchar = 1

"""
DUCKDB_COLUMNS = (
    "Invalid Input Error: CSV Error on Line: {line}\n"
    "Original Line: {original}\n"
    "Expected Number of Columns: {expected} Found: {found}\n"
    "Possible fixes:\n"
    "* Disable the parser's strict mode (strict_mode=false) to allow reading rows that do not "
    "comply with the CSV standard.\n"
    "* Enable null padding (null_padding=true) to replace missing values with NULL\n"
    "* Enable ignore errors (ignore_errors=true) to skip this row\n" + SETTINGS
)
DUCKDB_QUOTE = (
    "Invalid Input Error: CSV Error on Line: {line}\n"
    "Original Line: {original}\n"
    "Value with unterminated quote found.\n\n"
    "Possible fixes:\n"
    "* Disable the parser's strict mode (strict_mode=false) to allow reading rows that do not "
    "comply with the CSV standard.\n"
    "* Enable ignore errors (ignore_errors=true) to skip this row\n"
    "* Set quote to empty or to a different value (e.g., quote='')\n" + SETTINGS
)
DUCKDB_ENCODING = (
    "Invalid Input Error: CSV Error on Line: {line}\n"
    "Original Line: {original}\n"
    "Invalid unicode (byte sequence mismatch) detected. This file is not utf-8 encoded.\n\n"
    "Possible Solution: Set the correct encoding, if available, to read this CSV File (e.g., "
    "encoding='UTF-16')\n"
    "Possible Solution: Enable ignore errors (ignore_errors=true) to skip this row\n" + SETTINGS
)
DUCKDB_SNIFF = (
    'Invalid Input Error: Error when sniffing file "{path}".\n'
    "It was not possible to automatically detect the CSV parsing dialect\n"
    "The search space used was:\n"
    "Delimiter Candidates: ',', '|', ';', '\t'\n"
    "Quote/Escape Candidates: ['(no quote)','(no escape)'],['\"','(no escape)'],['\"','\"']\n"
    "Comment Candidates: '\\0', '#'\n"
    "Encoding: utf-8\n"
    "Possible fixes:\n"
    "* Disable the parser's strict mode (strict_mode=false) to allow reading rows that do not "
    "comply with the CSV standard.\n"
    "* Make sure you are using the correct file encoding. If not, set it (e.g., encoding = "
    "'utf-16').\n"
    "* Set delimiter (e.g., delim=',')\n"
    "* Check you are using the correct file compression, otherwise set it (e.g., compression = "
    "'zstd')\n\n\n"
    'LINE 1: ... OR REPLACE TEMPORARY VIEW "raw_transactions" AS SELECT * FROM '
    "READ_CSV(['{path}']...\n"
)
DUCKDB_MISSING = (
    'IO Error: No files found that match the pattern "{path}"\n\n'
    'LINE 1: ... OR REPLACE TEMPORARY VIEW "raw_transactions" AS SELECT * FROM READ_CSV(...\n'
)
PANDAS_COLUMNS = (
    "Error tokenizing data. C error: Expected {expected} fields in line {line}, saw {found}\n"
)
PANDAS_ENCODING = "'utf-8' codec can't decode byte 0xdf in position 3: invalid continuation byte"
IBIS_REPR = (
    "kedro_datasets.ibis.file_dataset.FileDataset(filepath='{path}', file_format='csv', "
    "table_name='raw_transactions', backend='duckdb', load_args={{'all_varchar': True, "
    "'header': True}}, save_args={{}})"
)


def csv_file(path: Path, **load_args) -> CsvFile:
    return CsvFile(path, "raw_transactions", load_args, "conf/test/catalog.yml", path.name)


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(lines))
    return path


def with_description(line: str, description: str) -> str:
    fields = line.split(",")
    fields[2] = description
    return ",".join(fields)


# ---- parsing the readers' messages ------------------------------------------------------------


def test_a_duckdb_column_error_gives_line_fields_and_file():
    text = DUCKDB_COLUMNS.format(
        line=30001,
        original="496745,28298,SKULL KEY RING, LARGE,36,2011-08-25 12:23:00,1.06,17962,United Kingdom",
        expected=8,
        found=9,
        path="/data/01_raw/export.csv",
    )
    said = parse_reader_message(text)
    assert (said.kind, said.line, said.expected, said.found) == ("columns", 30001, 8, 9)
    assert said.original.startswith("496745,28298,SKULL KEY RING, LARGE")
    assert said.file == "/data/01_raw/export.csv"
    assert said.summary == "CSV Error on Line: 30001"


@pytest.mark.parametrize(
    ("text", "kind", "line"),
    [
        (DUCKDB_SNIFF.format(path="/x/export.csv"), "sniff", None),
        (DUCKDB_QUOTE.format(line=12, original='1,"12" RULER', path="/x/export.csv"), "quote", 12),
        (DUCKDB_ENCODING.format(line=6, original="a,b", path="/x/export.csv"), "encoding", 6),
        (DUCKDB_MISSING.format(path="/x/export.csv"), "missing", None),
        (PANDAS_COLUMNS.format(expected=8, line=51, found=9), "columns", 51),
        (PANDAS_ENCODING, "encoding", None),
        ("EOF inside string starting at row 5999", "quote", None),
        ("Conversion Error: Overflow in multiplication of INT32", "other", None),
    ],
)
def test_reader_messages_are_classified(text, kind, line):
    said = parse_reader_message(text)
    assert (said.kind, said.line) == (kind, line)
    if "/x/export.csv" in text:
        assert said.file == "/x/export.csv"


def test_a_summary_drops_the_possible_fixes_and_the_sql_echo():
    summary = summary_of(DUCKDB_SNIFF.format(path="/x/export.csv"))
    assert summary.startswith('Error when sniffing file "/x/export.csv".')
    assert "Possible fixes" not in summary and "LINE 1" not in summary
    assert len(summary) <= 200


# ---- which column holds the separator -----------------------------------------------------------

CUSTOMERS = [
    ["C13278", "58", "26500", "25", "Female", "Leeds", "Retired"],
    ["C12662", "52", "88400", "15", "Male", "Birmingham", "Executive"],
    ["C12448", "36", "84800", "79", "Male", "London", "Sales"],
    ["C12003", "41", "40200", "60", "Female", "Milton Keynes", ""],
]
CUSTOMER_HEADER = ["customer_id", "age", "annual_income", "spending_score", "gender", "city", "job"]


@pytest.mark.parametrize(
    ("line", "column", "value"),
    [
        ("C1,36,84800,79,Male,London, UK,Sales", "city", "London, UK"),
        ("C1,36,84,800,79,Male,London,Sales", "annual_income", "84,800"),
        ("C1,36,84800,79,Male,Stoke,on,Trent,Sales", "city", "Stoke,on,Trent"),
    ],
)
def test_the_column_with_an_unquoted_separator_is_found(line, column, value):
    columns = Columns.of(CUSTOMERS)
    assert unquoted_delimiter(line.split(","), CUSTOMER_HEADER, columns, ",") == (column, value)


@pytest.mark.parametrize(
    "description",
    [
        "SPACEBOY WASHBAG, LARGE",
        "SPACEBOY WASHBAG,LARGE",
        "SET OF 3,CAKE TINS",
        "PINK,BLUE,GREEN BAG",
    ],
)
def test_a_description_with_commas_is_found(description):
    rows = [line.rstrip("\n").split(",") for line in GOOD[:3]]
    line = with_description(GOOD[0], description).rstrip("\n")
    header = HEADER.rstrip("\n").split(",")
    assert unquoted_delimiter(line.split(","), header, Columns.of(rows), ",") == (
        "Description",
        description,
    )


# ---- the file itself --------------------------------------------------------------------------


def test_an_unquoted_comma_is_found_by_reading_the_file(tmp_path: Path):
    bad = with_description(GOOD[1], "SPACEBOY WASHBAG, LARGE")
    path = write(tmp_path / "export.csv", [HEADER, GOOD[0], GOOD[2], bad, GOOD[3]])
    found = structure_problem(csv_file(path))
    assert found is not None and found.line == 4
    message = found.message("raw_transactions")
    assert message.startswith("dataset 'raw_transactions', line 4: 9 fields where the header has 8")
    assert "the Description value 'SPACEBOY WASHBAG, LARGE' holds an unquoted ','" in message
    assert 'Fix: quote the Description field in export.csv ("SPACEBOY WASHBAG, LARGE")' in message


def test_a_thousands_separator_is_named_in_the_fix(tmp_path: Path):
    fields = GOOD[2].split(",")
    fields[5] = "1,440.00"
    path = write(tmp_path / "export.csv", [HEADER, *GOOD[:2], ",".join(fields)])
    found = structure_problem(csv_file(path))
    assert found is not None and "the Price value '1,440.00'" in found.problem
    assert "without a thousands separator" in found.fix


def test_a_truncated_last_line_is_named_with_its_line(tmp_path: Path):
    path = write(tmp_path / "export.csv", [HEADER, *GOOD[:3], GOOD[3][:20]])
    found = structure_problem(csv_file(path))
    assert found is not None and found.line == 5
    assert "export.csv is truncated" in found.problem
    assert found.fix == "the file is truncated at line 5: re-export it (or copy it again)"


def test_a_last_line_cut_inside_quotes_is_truncated_too(tmp_path: Path):
    path = write(tmp_path / "export.csv", [HEADER, *GOOD[:3], '489437,22111,"HALF QUOT'])
    found = structure_problem(csv_file(path))
    assert found is not None and found.line == 5
    assert "stops inside a quoted field" in found.problem


def test_a_short_last_line_that_ends_is_a_footer(tmp_path: Path):
    path = write(tmp_path / "export.csv", [HEADER, *GOOD, "Total,4\n"])
    found = structure_problem(csv_file(path))
    assert found is not None and found.line == 6
    assert "the last line has 2 of 8 fields ('Total,4')" in found.problem
    assert found.fix.startswith("delete line 6 of export.csv")


def test_a_short_line_in_the_middle(tmp_path: Path):
    path = write(tmp_path / "export.csv", [HEADER, GOOD[0], "489434,85048,15CM\n", *GOOD[1:]])
    found = structure_problem(csv_file(path))
    assert found is not None and found.line == 3
    assert found.problem.startswith("3 fields where the header has 8")


def test_a_quote_that_never_closes(tmp_path: Path):
    bad = with_description(GOOD[1], '"PINK CHERRY LIGHTS')
    path = write(tmp_path / "export.csv", [HEADER, GOOD[0], bad, *GOOD[2:]])
    found = structure_problem(csv_file(path))
    assert found is not None and found.line == 3
    assert "never closed" in found.problem


def test_text_after_a_closing_quote(tmp_path: Path):
    bad = with_description(GOOD[1], '"AGED GLASS CLOCK 12" RULER')
    path = write(tmp_path / "export.csv", [HEADER, GOOD[0], bad, *GOOD[2:]])
    found = structure_problem(csv_file(path))
    assert found is not None and found.line == 3
    assert "goes on after its closing quote" in found.problem
    assert '("12"" RULER")' in found.fix


def test_a_semicolon_file_is_read_with_its_separator(tmp_path: Path):
    lines = [line.replace(",", ";") for line in (HEADER, *GOOD[:3])]
    lines.append(with_description(GOOD[1], "PINK; CHERRY").replace(",", ";"))
    found = structure_problem(csv_file(write(tmp_path / "export.csv", lines)))
    assert found is not None and found.line == 5
    assert "holds an unquoted ';'" in found.problem


def test_a_good_file_has_no_problem(tmp_path: Path):
    path = write(tmp_path / "export.csv", [HEADER, *GOOD])
    assert structure_problem(csv_file(path)) is None
    assert encoding_problem(csv_file(path)) is None
    assert content_problem(csv_file(path)) is None


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (gzip.compress(HEADER.encode()), "export.csv", ("compressed (gzip)", "export.csv.gz")),
        (b"PK\x03\x04" + b"\x00" * 40, "export.csv", ("zip archive", "Excel")),
        (b"PAR1\x00\x00", "export.csv", ("a Parquet file", "file_format: parquet")),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "export.csv", ("Excel 97-2003",)),
        ((HEADER + GOOD[0]).encode("utf-16"), "export.csv", ("UTF-16", "encoding: utf-16")),
        (b"<!DOCTYPE html><html><body>Session expired</body></html>", "export.csv", ("HTML",)),
    ],
)
def test_a_file_that_is_not_csv_text(tmp_path: Path, content: bytes, name: str, words):
    path = tmp_path / name
    path.write_bytes(content)
    found = content_problem(csv_file(path))
    assert found is not None
    for word in words:
        assert word in found.problem + found.fix


def test_a_compressed_file_named_for_it_is_fine(tmp_path: Path):
    path = tmp_path / "export.csv.gz"
    path.write_bytes(gzip.compress(HEADER.encode()))
    assert content_problem(csv_file(path)) is None
    plain = tmp_path / "export.csv"
    plain.write_bytes(gzip.compress(HEADER.encode()))
    assert content_problem(csv_file(plain, compression="gzip")) is None


def test_utf16_with_its_encoding_set_is_fine(tmp_path: Path):
    path = tmp_path / "export.csv"
    path.write_bytes((HEADER + GOOD[0]).encode("utf-16"))
    assert content_problem(csv_file(path, encoding="utf-16")) is None


def test_the_first_line_that_is_not_utf8_is_named(tmp_path: Path):
    path = tmp_path / "export.csv"
    lines = [HEADER, *GOOD[:2], GOOD[2].replace("France", "Großbritannien")]
    path.write_bytes("".join(lines).encode("latin-1"))
    found = encoding_problem(csv_file(path))
    assert found is not None and found.line == 4
    assert "not utf-8 encoded: byte 0xDF" in found.problem and "Gro\\xdfbritannien" in found.problem
    assert "load_args encoding: latin-1" in found.fix and "conf/test/catalog.yml" in found.fix
    assert encoding_problem(csv_file(path, encoding="latin-1")) is None


# ---- a reader's message completed from the file --------------------------------------------------


def test_duckdb_names_the_line_of_an_unquoted_comma(tmp_path: Path):
    bad = with_description(GOOD[1], "SKULL KEY RING, LARGE")
    path = write(tmp_path / "export.csv", [HEADER, *GOOD, bad, GOOD[0]])
    text = DUCKDB_COLUMNS.format(line=6, original=bad.rstrip("\n"), expected=8, found=9, path=path)
    found = csv_reader_problem(text, csv_file(path))
    assert found is not None and found.line == 6
    assert "the Description value 'SKULL KEY RING, LARGE' holds an unquoted ','" in found.problem


def test_duckdb_names_the_truncated_last_line(tmp_path: Path):
    path = write(tmp_path / "export.csv", [HEADER, *GOOD, "C499437,55262,50'S C"])
    text = DUCKDB_COLUMNS.format(
        line=6, original="C499437,55262,50'S C", expected=8, found=3, path=path
    )
    found = csv_reader_problem(text, csv_file(path))
    assert found == FileProblem(
        "export.csv is truncated: its last line stops after 3 of 8 fields ('C499437,55262,50'S C')",
        "the file is truncated at line 6: re-export it (or copy it again)",
        6,
    )


def test_duckdb_names_an_unterminated_quote(tmp_path: Path):
    bad = with_description(GOOD[1], '"12" RULER')
    path = write(tmp_path / "export.csv", [HEADER, GOOD[0], bad, *GOOD[2:]])
    text = DUCKDB_QUOTE.format(line=3, original=bad.rstrip("\n"), path=path)
    found = csv_reader_problem(text, csv_file(path))
    assert found is not None and found.line == 3 and "never closed" in found.problem


def test_an_encoding_error_is_located_in_the_file_not_where_duckdb_says(tmp_path: Path):
    path = tmp_path / "export.csv"
    lines = [HEADER, GOOD[0], GOOD[1].replace("United Kingdom", "Großbritannien"), *GOOD[2:]]
    path.write_bytes("".join(lines).encode("latin-1"))
    text = DUCKDB_ENCODING.format(line=5, original=GOOD[3].rstrip("\n"), path=path)
    found = csv_reader_problem(text, csv_file(path))
    assert found is not None and found.line == 3 and "not utf-8 encoded" in found.problem


def test_a_sniffer_error_is_located_by_reading_the_file(tmp_path: Path):
    path = write(tmp_path / "export.csv", [HEADER, *GOOD, GOOD[0][:25]])
    found = csv_reader_problem(DUCKDB_SNIFF.format(path=path), csv_file(path))
    assert found is not None and found.line == 6 and "truncated" in found.problem


def test_a_sniffer_error_on_gzip_bytes_says_compressed(tmp_path: Path):
    path = tmp_path / "export.csv"
    path.write_bytes(gzip.compress((HEADER + "".join(GOOD)).encode()))
    found = csv_reader_problem(DUCKDB_SNIFF.format(path=path), csv_file(path))
    assert found is not None and "compressed (gzip)" in found.problem


def test_a_sniffer_error_on_a_file_without_a_visible_problem(tmp_path: Path):
    path = write(tmp_path / "export.csv", [HEADER, *GOOD])
    found = csv_reader_problem(DUCKDB_SNIFF.format(path=path), csv_file(path))
    assert found is not None and found.line is None
    assert "could not be detected" in found.problem and "load_args delim" in found.fix


def test_a_pandas_tokenizing_error_is_located(tmp_path: Path):
    bad = with_description(GOOD[1], "PINK, CHERRY")
    path = write(tmp_path / "export.csv", [HEADER, GOOD[0], bad])
    text = PANDAS_COLUMNS.format(expected=8, line=3, found=9)
    found = csv_reader_problem(text, csv_file(path))
    assert found is not None and found.line == 3 and "Description" in found.problem


def test_duckdb_itself_still_says_what_the_parsing_expects(tmp_path: Path):
    """DuckDB's own message (not a copy), so a new DuckDB wording fails here first."""
    bad_at = 20_600  # past the 20,480 lines the sniffer samples
    lines = [HEADER] + [GOOD[number % 3] for number in range(bad_at)]
    lines[bad_at - 1] = with_description(GOOD[1], "SKULL KEY RING, LARGE")
    path = write(tmp_path / "export.csv", lines)
    connection = duckdb.connect()
    query = f"SELECT count(*) FROM read_csv('{path}', all_varchar=true, header=true)"
    with pytest.raises(duckdb.Error) as raised:
        connection.sql(query).fetchall()
    found = csv_reader_problem(str(raised.value), csv_file(path))
    assert found is not None and found.line == bad_at
    assert "the Description value 'SKULL KEY RING, LARGE'" in found.problem


def test_duckdb_sniffer_on_gzip_bytes(tmp_path: Path):
    path = tmp_path / "export.csv"
    path.write_bytes(gzip.compress((HEADER + "".join(GOOD * 50)).encode()))
    with pytest.raises(duckdb.Error) as raised:
        duckdb.connect().sql(f"SELECT * FROM read_csv('{path}', all_varchar=true)").fetchall()
    found = csv_reader_problem(str(raised.value), csv_file(path))
    assert found is not None and "compressed (gzip)" in found.problem


# ---- dataset errors (DatasetError) ----------------------------------------------------------------


def project_at(root: Path, catalog: str = "", env: str = "test") -> Project:
    """A project folder with ``conf/base`` and ``conf/<env>`` and this catalog in the env."""
    for folder in ("base", env):
        (root / "conf" / folder).mkdir(parents=True, exist_ok=True)
    (root / "conf" / "base" / "parameters.yml").write_text("a: 1\n")
    if catalog:
        (root / "conf" / env / "catalog.yml").write_text(catalog)
    return Project(env=env, root=root)


def load_error(path: Path, cause: BaseException, name: str = "raw_transactions") -> DatasetError:
    """A DatasetError as Kedro raises it: the dataset, the repr, the reader's message."""
    message = f"Failed while loading data from dataset {IBIS_REPR.format(path=path)}.\n{cause}"
    try:
        try:
            raise cause
        except BaseException as error:
            raise DatasetError(message) from error
    except DatasetError as inner:
        try:
            raise DatasetError(f"{name}: {message}") from inner
        except DatasetError as outer:
            return outer


CATALOG = """raw_transactions:
  type: ibis.FileDataset
  filepath: data/01_raw/export.csv
  file_format: csv
  table_name: raw_transactions
  load_args:
    all_varchar: true
"""


def test_a_missing_file_points_at_the_catalog(tmp_path: Path):
    project = project_at(tmp_path, CATALOG)
    path = tmp_path / "data/01_raw/export.csv"
    error = load_error(path, duckdb.IOException(DUCKDB_MISSING.format(path=path)))
    line = dataset_error_line(error, project)
    assert line == (
        "dataset 'raw_transactions': data/01_raw/export.csv does not exist. Fix: put the file "
        "there, or set the filepath of 'raw_transactions' in conf/test/catalog.yml to where it is"
    )


@pytest.mark.parametrize(
    ("env", "env_globals", "where"),
    [
        ("large", "raw_transactions_path: data/01_raw/export.csv\n", "conf/large/globals.yml"),
        ("my_shop", None, "conf/my_shop/globals.yml"),
        (None, None, "conf/base/globals.yml"),
    ],
)
def test_a_missing_file_read_through_a_global_points_at_the_global(
    tmp_path: Path, env: str | None, env_globals: str | None, where: str
):
    project_at(tmp_path, env=env or "local")
    (tmp_path / "conf/base/catalog.yml").write_text(
        CATALOG.replace("data/01_raw/export.csv", "${globals:raw_transactions_path}")
    )
    (tmp_path / "conf/base/globals.yml").write_text(
        "raw_transactions_path: data/01_raw/export.csv\n"
    )
    if env_globals:
        (tmp_path / f"conf/{env}/globals.yml").write_text(env_globals)
    project = Project(env=env, root=tmp_path)
    path = tmp_path / "data/01_raw/export.csv"
    error = load_error(path, duckdb.IOException(DUCKDB_MISSING.format(path=path)))
    assert dataset_error_line(error, project) == (
        "dataset 'raw_transactions': data/01_raw/export.csv does not exist. Fix: put the file "
        f"there, or set raw_transactions_path in {where} to where it is"
    )


def test_a_sniffer_error_becomes_the_line_of_the_file(tmp_path: Path):
    project = project_at(tmp_path, CATALOG)
    path = tmp_path / "data/01_raw/export.csv"
    path.parent.mkdir(parents=True)
    write(path, [HEADER, *GOOD[:3], GOOD[3][:20]])
    error = load_error(path, duckdb.InvalidInputException(DUCKDB_SNIFF.format(path=path)))
    line = dataset_error_line(error, project)
    assert line.startswith(
        "dataset 'raw_transactions', line 5: data/01_raw/export.csv is truncated"
    )
    assert "catalog.yml" not in line and "\n" not in line


def test_a_full_disk_is_not_a_catalog_problem(tmp_path: Path):
    project = project_at(tmp_path, "")
    path = tmp_path / "data/02_intermediate/clean_transactions.parquet"
    cause = OSError(28, "No space left on device")
    message = f"Failed while saving data to dataset X(filepath='{path}').\n{cause}"
    try:
        raise DatasetError(f"clean_transactions: {message}") from cause
    except DatasetError as error:
        line = dataset_error_line(error, project)
    assert line.startswith(
        "dataset 'clean_transactions': the disk is full: "
        "data/02_intermediate/clean_transactions.parquet could not be written"
    )
    assert "free space on the disk that holds data/02_intermediate" in line
    assert "catalog.yml" not in line


PARQUET_CATALOG = CATALOG.replace("export.csv", "export.parquet").replace("csv", "parquet")


def test_an_overflow_is_not_a_catalog_problem(tmp_path: Path):
    project = project_at(tmp_path, PARQUET_CATALOG)
    path = tmp_path / "data/01_raw/export.parquet"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PAR1")
    error = load_error(path, ValueError("Conversion Error: Overflow in multiplication of INT32"))
    line = dataset_error_line(error, project)
    assert "does not fit its type" in line and "Overflow" in line
    assert "catalog.yml" not in line


def test_a_permission_problem_says_so(tmp_path: Path):
    project = project_at(tmp_path, CATALOG)
    path = tmp_path / "data/01_raw/export.csv"
    path.parent.mkdir(parents=True)
    write(path, [HEADER])
    error = load_error(path, PermissionError(13, "Permission denied", str(path)))
    line = dataset_error_line(error, project)
    assert "permission denied: data/01_raw/export.csv cannot be read" in line
    assert "catalog.yml" not in line


def test_an_unknown_dataset_type_names_it(tmp_path: Path):
    project = project_at(tmp_path, CATALOG.replace("ibis.FileDataset", "ibis.FileDatset"))
    said = (
        "Dataset 'FileDatset' not found in 'ibis'. Make sure the dataset name is correct.\n"
        "Hint: If you are trying to use a dataset from `kedro-datasets`, make sure that the "
        "package is installed in your current environment."
    )
    error = DatasetError(
        f"An exception occurred when parsing config for dataset 'raw_transactions':\n{said}"
    )
    assert dataset_error_line(error, project) == (
        "dataset 'raw_transactions': type 'ibis.FileDatset' is not a dataset type Kedro can "
        "load (Dataset 'FileDatset' not found in 'ibis'). Fix: correct the type of "
        "'raw_transactions' in conf/test/catalog.yml (e.g. ibis.FileDataset, pandas.CSVDataset), "
        "or install the kedro-datasets extra it needs"
    )


def test_an_unknown_reader_error_keeps_could_not_be_read(tmp_path: Path):
    project = project_at(tmp_path, PARQUET_CATALOG)
    path = tmp_path / "data/01_raw/export.parquet"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PAR1 not really parquet")
    said = "Invalid Input Error: No magic bytes found at end of file"
    error = load_error(path, duckdb.InvalidInputException(said))
    line = dataset_error_line(error, project)
    assert line.startswith(
        "dataset 'raw_transactions': could not be read: No magic bytes found at end of file. "
    )
    assert "conf/test/catalog.yml" in line


def test_an_input_error_on_a_broken_csv_reports_the_file(tmp_path: Path):
    project = project_at(tmp_path, CATALOG)
    path = tmp_path / "data/01_raw/export.csv"
    path.parent.mkdir(parents=True)
    error = InputValidationError(
        f"mapped column for 'invoice' not found; columns present: [{HEADER.strip()!r}]",
        "set data_processing.column_mapping.invoice ...",
        dataset="raw_transactions",
        column="Invoice",
    )
    write(path, [HEADER, *GOOD])
    assert input_error_line(error, project) == str(error)
    write(path, [HEADER, GOOD[0], with_description(GOOD[1], "PINK, CHERRY"), *GOOD[2:]])
    line = input_error_line(error, project)
    assert line.startswith("dataset 'raw_transactions', line 3: 9 fields where the header has 8")


def test_the_catalog_file_is_the_one_that_declares_the_entry(tmp_path: Path):
    project = project_at(tmp_path, "other:\n  type: pandas.CSVDataset\n  filepath: x.csv\n")
    (tmp_path / "conf/base/catalog.yml").write_text(CATALOG)
    assert project.catalog_file("raw_transactions") == "conf/base/catalog.yml"
    assert project.catalog_file("other") == "conf/test/catalog.yml"
    assert project.dataset_of_file(tmp_path / "data/01_raw/export.csv") == "raw_transactions"


# ---- configuration errors ---------------------------------------------------------------------------


def test_an_unknown_environment_lists_the_ones_there_are(tmp_path: Path):
    project = project_at(tmp_path, env="test")
    project.env = "nosuch"
    error = MissingConfigException(
        "Given configuration path either does not exist or is not a valid directory: "
        f"{tmp_path / 'conf' / 'nosuch'}"
    )
    assert config_error_line(error, project) == (
        "environment 'nosuch': there is no folder conf/nosuch. Fix: use --env with one of the "
        "environments in conf/: base, test (or create conf/nosuch/ for a new one)"
    )


def kedro_yaml_error(path: Path) -> yaml.YAMLError:
    """The error Kedro's config loader raises for ``path``, chained to PyYAML's own."""
    try:
        try:
            OmegaConf.load(path)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark
            raise yaml.parser.ParserError(
                f"Invalid YAML or JSON file {path.as_posix()}, unable to read line {mark.line}, "
                f"position {mark.column}."
            ) from error
    except yaml.YAMLError as error:
        return error
    raise AssertionError("the file parsed")


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("a:\n  b: 1\nfoo: [1, 2\nbar: 3\n", "line 4, column 4", "close the list opened on line 3"),
        ("a:\n\tb: 1\n", "line 2, column 1", "indent with spaces"),
        ("a: 1\nb: x: y\n", "line 2, column 5", "quote the value"),
        ("a:\n  b: 1\n c: 2\n", "line 3, column 2", "indent this line"),
        ("a: 'open\nb: 1\n", "line 3, column 1", "not valid YAML"),
        ("a: @home\n", "line 1, column 4", "cannot start with '@'"),
    ],
)
def test_a_yaml_error_names_the_file_line_and_column(tmp_path: Path, text, where, words):
    project = project_at(tmp_path)
    path = tmp_path / "conf/test/parameters.yml"
    path.write_text(text)
    line = config_error_line(kedro_yaml_error(path), project)
    assert line is not None and line.startswith(f"config file 'conf/test/parameters.yml', {where}")
    assert words in line and "\n" not in line


def test_a_duplicate_key_names_the_file_kedro_does_not(tmp_path: Path):
    """OmegaConf's duplicate-key error names no file: the config folders are read for it."""
    project = project_at(tmp_path)
    path = tmp_path / "conf/test/parameters.yml"
    path.write_text("x: 1\ny: 2\nx: 3\n")
    with pytest.raises(yaml.YAMLError) as raised:
        OmegaConf.load(path)
    line = config_error_line(raised.value, project)
    assert line == (
        "config file 'conf/test/parameters.yml', line 3, column 1: not valid YAML: found "
        "duplicate key x (while constructing a mapping at line 1) ('x: 3'). Fix: keep one of "
        "the two 'x' keys of that mapping"
    )


def test_a_key_in_two_files_names_both(tmp_path: Path):
    project = project_at(tmp_path)
    one, two = tmp_path / "conf/test/parameters.yml", tmp_path / "conf/test/parameters_x.yml"
    error = ValueError(f"Duplicate keys found in {one} and {two}: data_processing")
    assert config_error_line(error, project) == (
        "config files 'conf/test/parameters.yml' and 'conf/test/parameters_x.yml' both define "
        "data_processing. Fix: keep data_processing in one of the two files"
    )


def test_other_errors_are_not_explained(tmp_path: Path):
    assert config_error_line(RuntimeError("boom"), project_at(tmp_path)) is None
    assert yaml_fix("something new", "x").startswith("correct the YAML at that line")


# ---- the run command ----------------------------------------------------------------------------


def failing(error: BaseException):
    def callback(**kwargs):
        raise error

    return callback


def test_the_run_command_prints_one_line_and_verbose_the_traceback(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    project_at(tmp_path)
    path = tmp_path / "conf/test/parameters.yml"
    path.write_text("a: [1\n")
    error = kedro_yaml_error(path)
    run = cli._one_line_errors(failing(error))
    with pytest.raises(click.ClickException) as raised:
        run(env="test", conf_source=None)
    assert raised.value.message.startswith("config file 'conf/test/parameters.yml', line 2")
    with pytest.raises(yaml.YAMLError):
        run(env="test", conf_source=None, verbose=True)


def test_the_logging_file_keeps_quiet_what_verbose_brings_back():
    config = yaml.safe_load((PROJECT_ROOT / "conf/logging.yml").read_text())
    levels = {name: entry.get("level") for name, entry in config["loggers"].items()}
    assert levels["kedro"] == "INFO"  # progress per node: "Completed node: ..."
    for name in cli.VERBOSE_LOGGERS:
        assert levels[name] == "WARNING", name
    assert levels["kedro.framework.project"] == "WARNING"  # "Using 'conf/logging.yml' ..."


def test_verbose_logs_every_dataset_load_and_save(monkeypatch):
    monkeypatch.setattr(LOGGING, "data", copy.deepcopy(LOGGING.data))
    loggers = [logging.getLogger(name) for name in cli.VERBOSE_LOGGERS]
    before = [logger.level for logger in loggers]
    try:
        for logger in loggers:
            logger.setLevel(logging.WARNING)
        cli.show_verbose_logs()
        for logger in loggers:
            assert logger.getEffectiveLevel() == logging.INFO
            # what the ParallelRunner's workers configure their logging from
            assert LOGGING.data["loggers"][logger.name]["level"] == "INFO"
        logging.getLogger(cli.VERBOSE_LOGGERS[0]).setLevel(logging.DEBUG)
        cli.show_verbose_logs()  # never hides what the logging file already shows
        assert loggers[0].getEffectiveLevel() == logging.DEBUG
    finally:
        for logger, level in zip(loggers, before, strict=True):
            logger.setLevel(level)


def test_the_run_command_leaves_other_errors_alone(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = cli._one_line_errors(failing(RuntimeError("a bug")))
    with pytest.raises(RuntimeError, match="a bug"):
        run(env="test", conf_source=None)


def test_a_parquet_file_read_as_csv_says_so(tmp_path: Path):
    project = project_at(tmp_path, CATALOG.replace("export.csv", "export.parquet"))
    path = tmp_path / "data/01_raw/export.parquet"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PAR1\x15\x04")
    error = load_error(path, duckdb.InvalidInputException(DUCKDB_SNIFF.format(path=path)))
    line = dataset_error_line(error, project)
    assert "is a Parquet file, not CSV text" in line and "file_format: parquet" in line
