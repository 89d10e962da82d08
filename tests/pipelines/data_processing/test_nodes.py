"""Unit tests of the data_processing nodes on small in-memory Ibis tables (DuckDB)."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from customer_segmentation.errors import InputValidationError
from customer_segmentation.pipelines.data_processing import labelling, nodes
from customer_segmentation.pipelines.data_processing import parsing as text_parsing
from customer_segmentation.pipelines.data_processing.nodes import (
    CANONICAL_COLUMNS,
    label_transactions,
    map_columns,
    parse_transactions,
    split_transactions,
    summarise_data_quality,
)
from customer_segmentation.pipelines.data_processing.params import (
    CleaningParams,
    ColumnMapping,
    ParsingParams,
)
from tests.pipelines.pipeline_helpers import typed_parameters

SETTINGS = typed_parameters(
    "data_processing",
    {
        "parsing": {"max_unparseable_share": 0.5},
        "cleaning": {"non_product_codes": ["POST", "M"]},
    },
)
MAPPING: ColumnMapping = SETTINGS.column_mapping
PARSING: ParsingParams = SETTINGS.parsing
CLEANING: CleaningParams = SETTINGS.cleaning


#: The largest K for most tables here: they hold two customers, and a run needs more
#: customers than its largest K (a silhouette on K segments needs at least K + 1).
ONE = 1
#: The second customer most tables add, so that they pass that check.
OTHER = {"invoice": "9001", "customer_id": "99999"}


def mapping(**changes: str | None) -> ColumnMapping:
    return ColumnMapping.model_validate(MAPPING.model_dump() | changes)


def parsing(**changes) -> ParsingParams:
    return ParsingParams.model_validate(PARSING.model_dump() | changes)


def cleaning(**changes) -> CleaningParams:
    return CleaningParams.model_validate(CLEANING.model_dump() | changes)


def split(labelled: ibis.Table, largest_k: int = ONE, snapshot=None):
    """``split_transactions`` with the default snapshot date (null) unless given."""
    return split_transactions(labelled, largest_k, snapshot)


HEADER = [
    "Invoice",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "Price",
    "Customer ID",
    "Country",
]


def raw_table(rows: list[list[str | None]]) -> ibis.Table:
    """An all-text raw table, as the CSV reader with all_varchar gives it."""
    frame = pd.DataFrame(rows, columns=HEADER, dtype="object")
    return ibis.memtable(frame, schema={column: "string" for column in HEADER})


GOOD = ["1001", "A1", "MUG", "6", "2010-12-01 08:00:00", "2.50", "12345", "United Kingdom"]


def line(**changes: str | None) -> list[str | None]:
    values = dict(zip(HEADER, GOOD))
    values.update({HEADER[list(CANONICAL_COLUMNS).index(k)]: v for k, v in changes.items()})
    return list(values.values())


def run_to_labels(rows, parsing=PARSING, cleaning=CLEANING) -> pd.DataFrame:
    mapped = map_columns(raw_table(rows), MAPPING)
    return label_transactions(parse_transactions(mapped, parsing), cleaning).execute()


class TestMapColumns:
    def test_renames_to_canonical_text_columns(self):
        mapped = map_columns(raw_table([GOOD]), MAPPING)
        assert list(mapped.columns) == list(CANONICAL_COLUMNS)
        assert all(dtype.is_string() for dtype in mapped.schema().types)

    def test_missing_source_column_names_dataset_column_and_fix(self):
        with pytest.raises(InputValidationError) as error:
            map_columns(raw_table([GOOD]), mapping(customer_id="CustomerID"))
        message = str(error.value)
        assert "dataset 'raw_transactions'" in message
        assert "column 'CustomerID'" in message
        assert "column_mapping.customer_id" in message
        assert "\n" not in message

    # an unmapped required column and an unknown key are parameter errors: test_params.py

    def test_empty_input_is_refused(self):
        with pytest.raises(InputValidationError, match="no data rows"):
            map_columns(raw_table([]), MAPPING)

    def test_optional_column_mapped_to_null_becomes_null(self):
        mapped = map_columns(raw_table([GOOD]), mapping(country=None)).execute()
        assert mapped["country"].isna().all()


class TestParsing:
    @pytest.mark.parametrize(
        ("date_format", "text", "expected"),
        [
            (None, "2010-12-01 08:26:00", "2010-12-01 08:26:00"),
            ("%d/%m/%Y %H:%M", "01/12/2010 8:26", "2010-12-01 08:26:00"),
            ("%m/%d/%Y %H:%M", "12/1/2010 8:26", "2010-12-01 08:26:00"),
            ("%Y%m%d", "20101201", "2010-12-01 00:00:00"),
            ("%d.%m.%Y", "31.02.2010", None),  # impossible day
            ("%d/%m/%Y %H:%M", "2010-12-01 08:26:00", None),  # other format
        ],
    )
    def test_dates(self, date_format, text, expected):
        # the parser itself: through parse_transactions a lone unparseable date would stop
        # the run (max_unparseable_share is below 1)
        table = ibis.memtable({"text": [text]}, schema={"text": "string"})
        parsed = table.select(value=text_parsing.parse_timestamp(table.text, date_format)).execute()
        value = parsed["value"].iloc[0]
        assert (pd.isna(value) and expected is None) or value == pd.Timestamp(expected)

    def test_the_date_format_reaches_the_parser(self):
        rows = [line(invoice_date="01/12/2010 8:26")]
        settings = parsing(date_format="%d/%m/%Y %H:%M")
        parsed = parse_transactions(map_columns(raw_table(rows), MAPPING), settings).execute()
        assert parsed["invoice_date_value"].tolist() == [pd.Timestamp("2010-12-01 08:26:00")]

    def test_fixed_width_fields_when_directives_touch(self):
        pattern, fields = text_parsing.strftime_to_regex("%Y%m%d")
        assert pattern == r"^(\d{4})(\d{2})(\d{1,2})$"
        assert fields == ["year", "month", "day"]

    # an unsupported directive is a parameter error: test_params.py

    def test_decimal_comma_and_thousands(self):
        settings = parsing(decimal_separator=",", thousands_separator=".")
        parsed = parse_transactions(
            map_columns(raw_table([line(price="1.234,50")]), MAPPING), settings
        ).execute()
        assert parsed["price_value"].iloc[0] == pytest.approx(1234.5)

    def test_float_customer_ids_are_normalised(self):
        parsed = parse_transactions(
            map_columns(raw_table([line(customer_id=" 13085.0 ")]), MAPPING), PARSING
        ).execute()
        assert parsed["customer_id_value"].iloc[0] == "13085"

    def test_too_many_unparseable_values_stop_the_run(self):
        rows = [line(quantity="six"), line(quantity="x"), GOOD]
        with pytest.raises(InputValidationError) as error:
            parse_transactions(map_columns(raw_table(rows), MAPPING), PARSING)
        message = str(error.value)
        assert "column 'quantity'" in message and "2 of 3" in message and "'six'" in message

    def test_a_few_unparseable_values_are_rejected_with_a_warning(self, caplog):
        rows = [line(price="n/a"), GOOD, GOOD, line(invoice="1002")]
        labels = run_to_labels(rows)
        assert "1 line(s) with an unparseable price" in caplog.text
        assert (labels["reason"] == "unparseable_price").sum() == 1


class TestLabelling:
    def test_each_rule_gives_its_reason(self):
        rows = [
            GOOD,
            line(invoice="1002", customer_id=""),
            line(invoice="1003", stock_code="POST"),
            line(invoice="1004", quantity="0"),
            line(invoice="1005", price="0"),
            line(invoice="1006", price="-3"),
            line(invoice="1007", quantity="80995"),
            line(invoice="1008", invoice_date=""),
            GOOD,  # exact duplicate of the first line
        ]
        reasons = run_to_labels(rows)["reason"].fillna("kept").value_counts().to_dict()
        assert reasons == {
            "kept": 1,
            "missing_customer_id": 1,
            "non_product_code": 1,
            "zero_quantity": 1,
            "non_positive_price": 2,
            "quantity_above_max": 1,
            "missing_invoice_date": 1,
            "duplicate_line": 1,
        }

    def test_first_broken_rule_wins(self):
        # no customer AND a postage code: the customer rule comes first
        labels = run_to_labels([line(customer_id=None, stock_code="POST")])
        assert labels["reason"].tolist() == ["missing_customer_id"]

    def test_rules_can_be_switched_off(self):
        settings = cleaning(drop_duplicates=False, non_product_codes=[])
        labels = run_to_labels([GOOD, GOOD, line(stock_code="POST")], cleaning=settings)
        assert labels["reason"].isna().all()

    def test_cancellations_are_kept_as_returns(self):
        labels = run_to_labels([GOOD, line(invoice="C1001", quantity="-2")])
        assert labels["reason"].isna().all()
        assert sorted(labels["is_return"].tolist()) == [False, True]


class TestSplitAndSummary:
    def _labelled(self, rows):
        mapped = map_columns(raw_table(rows), MAPPING)
        return label_transactions(parse_transactions(mapped, PARSING), CLEANING)

    def test_clean_is_typed_with_line_revenue_and_rejected_keeps_raw_text(self):
        rows = [GOOD, line(invoice="C1", quantity="-2"), line(invoice="2", price="x1")]
        clean, rejected = split(self._labelled([*rows, line(**OTHER)]))
        clean = clean.filter(clean.customer_id == "12345")
        clean_frame = clean.order_by("invoice").execute()
        assert clean_frame["line_revenue"].tolist() == [15.0, -5.0]
        assert clean_frame["invoice_date"].dtype.kind == "M"
        rejected_frame = rejected.execute()
        assert rejected_frame["price"].tolist() == ["x1"]
        assert rejected_frame["reason"].tolist() == ["unparseable_price"]

    def test_all_lines_rejected_stops_before_writing(self):
        rows = [line(customer_id=""), line(invoice="2", customer_id="")]
        with pytest.raises(InputValidationError, match="every line was rejected"):
            split(self._labelled(rows))

    def test_no_more_customers_than_the_largest_k_stops_before_writing(self):
        rows = [GOOD, line(invoice="2", customer_id="12346"), line(invoice="C3", customer_id="9")]
        with pytest.raises(InputValidationError) as error:
            split(self._labelled(rows), 2)  # K = 2 on 2 customers: no silhouette
        message = str(error.value)
        assert "only 2 customer(s) have an order" in message  # the returns-only one is no buyer
        assert "needs at least 3" in message
        assert "model_selection.k_range" in message

    def test_summary_counts_and_conservation(self):
        rows = [GOOD, GOOD, line(invoice="C1", quantity="-2"), line(invoice="3", stock_code="M")]
        rows.append(line(**OTHER))
        raw = raw_table(rows)
        clean, rejected = split(self._labelled(rows))
        summary = summarise_data_quality(raw, clean, rejected)
        assert summary["raw_lines"] == 5
        assert summary["clean_lines"] + summary["rejected_lines"] == 5
        assert summary["rejected_by_reason"] == {"duplicate_line": 1, "non_product_code": 1}
        assert summary["return_lines"] == 1
        assert summary["customers"] == 2

    def test_summary_detects_lost_lines(self):
        rows = [GOOD, line(**OTHER)]
        raw = raw_table(rows)
        clean, rejected = split(self._labelled(rows))
        with pytest.raises(RuntimeError, match="lost or duplicated"):
            summarise_data_quality(raw, clean.limit(1), rejected)


class TestOptionalColumns:
    def test_no_invoice_column_means_one_order_per_customer_and_day(self):
        rows = [GOOD, line(stock_code="B2"), line(invoice_date="2010-12-02 09:00:00")]
        rows.append(line(**OTHER))
        mapped = map_columns(raw_table(rows), mapping(invoice=None))
        labelled = label_transactions(parse_transactions(mapped, PARSING), CLEANING)
        clean, _ = split(labelled)
        invoices = sorted(clean.execute()["invoice"])
        assert invoices == [
            "12345@2010-12-01",
            "12345@2010-12-01",
            "12345@2010-12-02",
            "99999@2010-12-01",
        ]

    def test_no_product_column_leaves_stock_code_null(self):
        no_products = mapping(stock_code=None, description=None)
        mapped = map_columns(raw_table([GOOD, line(**OTHER)]), no_products)
        labelled = label_transactions(parse_transactions(mapped, PARSING), CLEANING)
        clean, _ = split(labelled)
        assert clean.execute()["stock_code"].isna().all()


class TestPandasInputs:
    def test_a_frame_is_read_as_text(self):
        frame = pd.DataFrame([GOOD], columns=HEADER)
        frame["Quantity"] = 6
        frame["InvoiceDate"] = pd.Timestamp("2010-12-01 08:00:00")
        frame["Customer ID"] = 12345.0  # how spreadsheets type ids
        parsed = parse_transactions(map_columns(frame, MAPPING), PARSING).execute()
        assert parsed["customer_id_value"].tolist() == ["12345"]
        assert parsed["invoice_date_value"].tolist() == [pd.Timestamp("2010-12-01 08:00:00")]
        assert parsed["quantity_value"].tolist() == [6.0]

    def test_workbook_sheets_are_stacked(self):
        sheet = pd.DataFrame([GOOD], columns=HEADER)
        mapped = map_columns({"Year 2009-2010": sheet, "Year 2010-2011": sheet}, MAPPING)
        assert mapped.count().execute() == 2

    def test_sheets_with_other_columns_are_refused(self):
        sheet = pd.DataFrame([GOOD], columns=HEADER)
        other = sheet.rename(columns={"Price": "UnitPrice"})
        with pytest.raises(InputValidationError, match="sheet 'b'"):
            map_columns({"a": sheet, "b": other}, MAPPING)


def typed_table(rows: list[list[str | None]]) -> ibis.Table:
    """The same lines as a Parquet export types them: numbers as numbers, the rest text."""
    frame = pd.DataFrame(rows, columns=HEADER, dtype="object")
    frame["Quantity"] = pd.to_numeric(frame["Quantity"]).astype("int64")
    frame["Price"] = pd.to_numeric(frame["Price"]).astype("float64")
    schema = {column: "string" for column in HEADER} | {"Quantity": "int64", "Price": "float64"}
    return ibis.memtable(frame, schema=schema)


def outcomes(raw: ibis.Table) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clean and rejected lines of ``raw``, in a fixed order."""
    labelled = label_transactions(parse_transactions(map_columns(raw, MAPPING), PARSING), CLEANING)
    clean, rejected = split(labelled)  # two customers: 12345 and 12346
    return (
        clean.execute().sort_values(["invoice", "stock_code"], ignore_index=True),
        rejected.execute().sort_values(list(CANONICAL_COLUMNS), ignore_index=True),
    )


class TestLargeInputShortcuts:
    """What makes the stages fast on millions of lines changes no line's outcome."""

    ROWS = [
        GOOD,
        GOOD,  # exact copy: one stays
        GOOD,  # and another
        line(invoice="1002", stock_code="POST"),
        line(invoice="1002", stock_code="POST"),  # copies of a rejected line keep its reason
        line(invoice="C1003", quantity="-2"),
        line(invoice="1004", quantity="0"),
        line(invoice="1005", price="-1.5", customer_id="12346"),
        line(invoice="1006", quantity="3", price="0.85", customer_id="12346"),
    ]

    def test_copies_are_labelled_after_the_other_rules(self):
        reasons = run_to_labels(self.ROWS)["reason"].fillna("kept").value_counts().to_dict()
        assert reasons == {
            "kept": 3,  # one GOOD, the return and 1006
            "duplicate_line": 2,
            "non_product_code": 2,
            "zero_quantity": 1,
            "non_positive_price": 1,
        }

    def test_typed_parquet_columns_give_the_text_outcome(self):
        clean_text, rejected_text = outcomes(raw_table(self.ROWS))
        clean_typed, rejected_typed = outcomes(typed_table(self.ROWS))
        pd.testing.assert_frame_equal(clean_typed, clean_text, check_dtype=False)
        # rejected lines keep the export's values as text (a typed 2.50 is the number 2.5)
        pd.testing.assert_frame_equal(
            rejected_typed.drop(columns="price"), rejected_text.drop(columns="price")
        )
        assert rejected_typed["price"].tolist() == ["2.5"] * 5 + ["-1.5"]

    def test_hash_collisions_never_make_different_lines_copies(self, monkeypatch):
        # every line hashes alike: all become candidates for the exact comparison
        monkeypatch.setattr(labelling, "_untyped", lambda text: ibis.literal("same"))
        assert run_to_labels(self.ROWS)["reason"].fillna("kept").value_counts().to_dict() == {
            "kept": 3,
            "duplicate_line": 2,
            "non_product_code": 2,
            "zero_quantity": 1,
            "non_positive_price": 1,
        }

    @pytest.mark.parametrize("text", [" 13085", "13085\t", "\n13085 \r", "13085"])
    def test_whitespace_is_stripped_as_before(self, text):
        parsed = parse_transactions(
            map_columns(raw_table([line(customer_id=text, invoice=f" {text} ")]), MAPPING),
            PARSING,
        ).execute()
        assert parsed["customer_id_value"].tolist() == ["13085"]
        rows = [line(invoice=text), line(**OTHER)]
        clean, _ = split(
            label_transactions(
                parse_transactions(map_columns(raw_table(rows), MAPPING), PARSING), CLEANING
            )
        )
        assert sorted(clean.execute()["invoice"]) == ["13085", "9001"]

    def test_nan_is_a_missing_value_not_a_number(self):
        labels = run_to_labels([GOOD, line(invoice="2", quantity="nan"), line(invoice="3")])
        assert labels["reason"].fillna("kept").tolist().count("unparseable_quantity") == 1
        frame = pd.DataFrame([GOOD, line(invoice="2")], columns=HEADER)
        frame["Quantity"] = 6
        frame["Price"] = [2.5, float("nan")]
        labelled = label_transactions(
            parse_transactions(map_columns(frame, MAPPING), PARSING), CLEANING
        )
        reasons = labelled.execute().sort_values("invoice")["reason"].tolist()
        assert reasons[0] is None or pd.isna(reasons[0])
        assert reasons[1] in {"missing_quantity_or_price", "unparseable_price"}

    def test_infinite_numbers_are_rejected_as_unparseable(self):
        rows = [GOOD, line(invoice="2", price="inf"), line(invoice="3", quantity="-Infinity")]
        labels = run_to_labels(rows)
        reasons = labels["reason"].fillna("kept").tolist()
        assert reasons.count("unparseable_price") == reasons.count("unparseable_quantity") == 1
        frame = pd.DataFrame([GOOD, line(invoice="2")], columns=HEADER)
        frame["Quantity"] = 6
        frame["Price"] = [2.5, float("inf")]
        labelled = label_transactions(
            parse_transactions(map_columns(frame, MAPPING), PARSING), CLEANING
        )
        reasons = labelled.execute().sort_values("invoice")["reason"].tolist()
        assert pd.isna(reasons[0]) and reasons[1] is not None and not pd.isna(reasons[1])

    def test_customer_check_counts_every_line_when_the_first_ones_do_not_settle_it(
        self, monkeypatch
    ):
        monkeypatch.setattr(nodes, "CHECK_SAMPLE_LINES", 2)
        rows = [GOOD, line(invoice="2"), line(invoice="3", customer_id="12346")]
        labelled = label_transactions(
            parse_transactions(map_columns(raw_table(rows), MAPPING), PARSING), CLEANING
        )
        clean, _ = split(labelled, 1)  # 2 customers: enough
        assert clean.count().execute() == 3
        with pytest.raises(InputValidationError, match="only 2 customer"):
            split(labelled, 2)


class TestSnapshotBeforeWriting:
    """A snapshot date on or before the last invoice stops data_processing before it writes."""

    ROWS = [GOOD, line(**OTHER, invoice_date="2010-12-03 17:00:00")]

    def labelled(self) -> ibis.Table:
        mapped = map_columns(raw_table(self.ROWS), MAPPING)
        return label_transactions(parse_transactions(mapped, PARSING), CLEANING)

    @pytest.mark.parametrize("snapshot", ["2010-12-03", "2010-12-01"])
    def test_on_or_before_the_last_clean_invoice_is_refused(self, snapshot):
        with pytest.raises(InputValidationError) as error:
            split(self.labelled(), snapshot=snapshot)
        message = str(error.value)
        assert message.startswith("parameter 'feature_engineering.snapshot_date': ")
        assert "on or before the last invoice (2010-12-03)" in message
        assert "recency would be negative" in message
        assert "2010-12-04 or later" in message  # the fix names the first day allowed
        assert "\n" not in message

    def test_a_rejected_later_line_does_not_count(self):
        # the last line is rejected (price 0): the last clean invoice is 2010-12-03
        rows = [*self.ROWS, line(invoice="9002", invoice_date="2011-01-31 10:00:00", price="0")]
        labelled = label_transactions(
            parse_transactions(map_columns(raw_table(rows), MAPPING), PARSING), CLEANING
        )
        clean, _ = split(labelled, snapshot="2010-12-04")
        assert clean.count().execute() == 2

    @pytest.mark.parametrize("snapshot", [None, "2010-12-04", "2011-01-01"])
    def test_null_or_a_later_day_passes(self, snapshot):
        clean, rejected = split(self.labelled(), snapshot=snapshot)
        assert (clean.count().execute(), rejected.count().execute()) == (2, 0)
