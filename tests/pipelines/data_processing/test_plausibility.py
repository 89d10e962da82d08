"""The rules for what real exports get wrong, on small in-memory tables (DuckDB).

Dates outside a plausible window, UTC offsets, line revenues that cannot be, text that
stands for a missing id, ids normalised before copies are found, separators that contradict
the data, guests (``drop_missing_customer: false``) and reader options that drop lines.
"""

from __future__ import annotations

import datetime as dt
import logging

import ibis
import pandas as pd
import pytest

from customer_segmentation.errors import InputValidationError
from customer_segmentation.pipelines.data_processing import parsing as text_parsing
from customer_segmentation.pipelines.data_processing.nodes import (
    label_transactions,
    map_columns,
    parse_transactions,
)
from customer_segmentation.pipelines.data_processing.params import PlausibilityParams
from customer_segmentation.pipelines.data_processing.reader_options import check_reader_options
from tests.pipelines.data_processing.test_nodes import (
    CLEANING,
    GOOD,
    HEADER,
    MAPPING,
    OTHER,
    PARSING,
    cleaning,
    line,
    parsing,
    raw_table,
    split,
)
from tests.pipelines.pipeline_helpers import typed_parameters

PLAUSIBILITY: PlausibilityParams = typed_parameters("data_processing").plausibility


def plausibility(**changes) -> PlausibilityParams:
    return PlausibilityParams.model_validate(PLAUSIBILITY.model_dump() | changes)


#: Two in a hundred lines may break a rule: tables here have a handful of lines.
LENIENT = plausibility(max_share=0.5)


def labelled(rows, parsing=PARSING, checks=LENIENT, cleaning=CLEANING, snapshot=None) -> ibis.Table:
    raw = rows if isinstance(rows, (ibis.Table, pd.DataFrame)) else raw_table(rows)
    parsed = parse_transactions(map_columns(raw, MAPPING), parsing, checks, snapshot)
    return label_transactions(parsed, cleaning)


def reasons(rows, **options) -> list[str]:
    """The reason of each line, in invoice order ("kept" for a kept line)."""
    frame = labelled(rows, **options).execute().sort_values(["invoice", "customer_id"])
    return frame["reason"].fillna("kept").tolist()


def numbered(*rows: list[str | None]) -> list[list[str | None]]:
    """``rows`` with invoices 1, 2, ... (so ``reasons`` lists them in this order)."""
    return [[f"{number:02d}", *row[1:]] for number, row in enumerate(rows, start=1)]


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message and "Fix: " in message
    return message


class TestImplausibleDates:
    def test_far_future_and_far_past_lines_are_rejected_with_a_warning(self, caplog):
        rows = numbered(
            GOOD,
            line(invoice_date="2101-01-01 10:00:00"),
            line(invoice_date="1900-01-01 10:00:00"),
            line(**OTHER),
        )
        with caplog.at_level(logging.WARNING):
            assert reasons(rows) == ["kept", "implausible_date", "implausible_date", "kept"]
        assert "2 line(s) dated before 1990-01-01 or after" in caplog.text
        assert "(implausible_date)" in caplog.text

    def test_the_window_comes_from_parameters(self):
        rows = numbered(GOOD, line(invoice_date="2011-06-01 10:00:00"))
        window = plausibility(max_share=0.5, latest_date="2010-12-31", earliest_date=None)
        assert reasons(rows, checks=window) == ["kept", "implausible_date"]
        assert reasons(numbered(line(invoice_date="1900-01-01")), checks=window) == ["kept"]

    def test_today_is_the_default_latest_date(self):
        tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
        today = f"{dt.date.today()} 23:59:00"
        rows = numbered(GOOD, line(invoice_date=today), line(invoice_date=f"{tomorrow} 00:00:00"))
        assert reasons(rows) == ["kept", "kept", "implausible_date"]

    def test_too_many_stop_the_run_naming_column_examples_and_fix(self):
        rows = numbered(GOOD, line(invoice_date="2101-01-01 10:00:00"))
        with pytest.raises(InputValidationError) as error:
            labelled(rows, checks=PLAUSIBILITY)
        message = one_line(error)
        assert message.startswith("dataset 'raw_transactions', column 'invoice_date': ")
        assert "1 of 2 lines (50.0%)" in message and "'2101-01-01 10:00:00'" in message
        assert "plausibility.earliest_date / latest_date" in message

    def test_lines_on_or_after_the_snapshot_are_rejected(self):
        rows = numbered(GOOD, line(invoice_date="2010-12-09 10:00:00"), line(**OTHER))
        assert reasons(rows, snapshot="2010-12-05") == ["kept", "implausible_date", "kept"]

    def test_a_snapshot_before_most_lines_asks_for_a_later_snapshot(self):
        rows = numbered(line(invoice_date="2010-12-09 10:00:00"), GOOD, line(**OTHER))
        with pytest.raises(InputValidationError) as error:
            labelled(rows, checks=PLAUSIBILITY, snapshot="2010-11-01")
        message = one_line(error)
        assert message.startswith("parameter 'feature_engineering.snapshot_date': ")
        assert "last invoice (2010-12-09)" in message and "2010-12-10 or later" in message

    def test_a_line_missing_a_value_keeps_its_earlier_reason(self):
        rows = numbered(GOOD, line(invoice_date="2101-01-01 10:00:00", price="x"))
        assert reasons(rows) == ["kept", "unparseable_price"]

    def test_a_reversed_window_is_a_parameter_error(self):
        with pytest.raises(ValueError, match="is after latest_date"):
            plausibility(earliest_date="2020-01-01", latest_date="2010-01-01")


class TestUtcOffsets:
    OFFSETS = [
        "2010-12-01 08:00:00+05:00",
        "2010-12-01T08:00:00Z",
        "2010-12-01 08:00:00 UTC",
        "2010-12-01 08:00:00-0330",
        "2010-12-1 8:00:00Z",
    ]

    @pytest.mark.parametrize("text", OFFSETS)
    def test_offsets_are_recognised(self, text):
        table = ibis.memtable({"text": [text, "2010-12-01 08:00:00", "2010-12-01"]})
        found = table.select(found=text_parsing.has_utc_offset(table.text)).execute()
        assert found["found"].tolist() == [True, False, False]

    def test_refused_by_default_with_examples_and_the_fix(self):
        rows = numbered(GOOD, line(invoice_date="2010-12-01 08:00:00+05:00"), line(**OTHER))
        with pytest.raises(InputValidationError) as error:
            labelled(rows)
        message = one_line(error)
        assert message.startswith("dataset 'raw_transactions', column 'invoice_date': ")
        assert "1 of 3 dates carry a UTC offset" in message
        assert "'2010-12-01 08:00:00+05:00'" in message and "parsing.utc_offsets" in message

    @pytest.mark.parametrize(
        ("mode", "expected"),
        [("utc", ["03:00", "08:00", "11:30", "08:00"]), ("local", ["08:00"] * 4)],
    )
    def test_converted_to_utc_or_kept_as_written(self, mode, expected):
        texts = [self.OFFSETS[0], self.OFFSETS[1], self.OFFSETS[3], "2010-12-01 08:00:00"]
        table = ibis.memtable({"text": texts})
        values = table.select(v=text_parsing.parse_timestamp(table.text, None, mode)).execute()
        assert [value.strftime("%H:%M") for value in values["v"]] == expected


class TestLineRevenue:
    @pytest.mark.parametrize(
        ("quantity", "price"), [("100", "5012345678901"), ("100", "1e308"), ("2", "6000000")]
    )
    def test_a_revenue_that_cannot_be_is_rejected_with_a_warning(self, quantity, price, caplog):
        rows = numbered(GOOD, line(quantity=quantity, price=price), line(**OTHER))
        with caplog.at_level(logging.WARNING):
            assert reasons(rows) == ["kept", "line_revenue_above_max", "kept"]
        assert "1 line(s) with a line revenue (quantity x price) above 10,000,000" in caplog.text

    def test_without_a_bound_the_decimal_type_still_bounds_it(self):
        rows = numbered(GOOD, line(price="6000000"), line(quantity="100", price="5012345678901"))
        no_bound = plausibility(max_share=0.5, max_line_revenue=None)
        assert reasons(rows, checks=no_bound) == ["kept", "kept", "line_revenue_above_max"]

    def test_a_return_is_measured_by_its_size(self):
        rows = numbered(GOOD, line(invoice="C9", quantity="-100", price="5012345678901"))
        frame = labelled(rows).execute()
        assert frame["reason"].tolist().count("line_revenue_above_max") == 1

    def test_too_many_stop_the_run(self):
        rows = numbered(GOOD, line(quantity="100", price="5012345678901"))
        with pytest.raises(InputValidationError) as error:
            labelled(rows, checks=PLAUSIBILITY)
        message = one_line(error)
        assert message.startswith("dataset 'raw_transactions', column 'price': ")
        assert "'100 x 5012345678901'" in message and "max_line_revenue" in message

    def test_clean_revenues_fit_the_decimal_type(self):
        rows = numbered(GOOD, line(price="99999"), line(**OTHER))
        clean, _ = split(labelled(rows))
        assert clean.line_revenue.max().execute() == pytest.approx(599994)


class TestMissingCustomerIds:
    @pytest.mark.parametrize(
        "text", ["nan", "NaN", "NULL", "None", "#N/A", "N/A", " ", "\u00a0", "na", "<NA>", "-"]
    )
    def test_text_that_stands_for_missing_is_missing(self, text, caplog):
        rows = numbered(GOOD, line(customer_id=text), line(**OTHER))
        with caplog.at_level(logging.WARNING):
            assert reasons(rows) == ["kept", "missing_customer_id", "kept"]
        if text.strip():
            assert "1 customer id(s) are blank or text that stands for a missing id" in caplog.text

    def test_the_list_is_a_parameter(self):
        rows = numbered(GOOD, line(customer_id="nan"), line(**OTHER))
        assert reasons(rows, parsing=parsing(missing_id_values=[])) == ["kept"] * 3

    def test_nan_in_a_float_id_column_is_missing(self):
        frame = pd.DataFrame(numbered(GOOD, GOOD, line(**OTHER)), columns=HEADER)
        frame["Customer ID"] = [12345.0, float("nan"), 99999.0]
        table = ibis.memtable(frame)  # typed, as a Parquet file gives it
        labels = labelled(table).execute().sort_values("invoice")
        assert labels["reason"].fillna("kept").tolist() == ["kept", "missing_customer_id", "kept"]
        assert labels["customer_id_value"].tolist()[0] == "12345"


class TestIdNormalisation:
    @pytest.mark.parametrize(
        "text",
        ["12345\u00a0", "\u00a012345", "12345\u200b", "\ufeff12345", "123\x0745", " 12345.0 ", "12345\t"],
    )  # fmt: skip
    def test_one_customer_whatever_the_noise(self, text):
        table = ibis.memtable({"text": [text]}, schema={"text": "string"})
        value = table.select(v=text_parsing.customer_id(table.text, PARSING)).execute()
        assert value["v"].tolist() == ["12345"]

    def test_a_no_break_space_after_ids_adds_no_customer(self):
        rows = numbered(GOOD, line(customer_id="12345\u00a0"), line(**OTHER))
        clean, _ = split(labelled(rows))
        assert sorted(clean.execute()["customer_id"].unique()) == ["12345", "99999"]

    def test_float_and_integer_copies_of_a_line_are_copies(self):
        rows = [GOOD, line(customer_id="12345.0"), line(customer_id="12345\u00a0"), line(**OTHER)]
        assert sorted(reasons(rows)) == ["duplicate_line", "duplicate_line", "kept", "kept"]

    def test_rejected_copies_keep_the_text_of_the_export(self):
        rows = [GOOD, line(customer_id="12345.0"), line(**OTHER)]
        _, rejected = split(labelled(rows))
        assert rejected.execute()["customer_id"].tolist() == ["12345.0"]


class TestSeparators:
    def test_dot_decimals_read_with_a_dot_thousands_separator_stop_the_run(self):
        rows = numbered(GOOD, line(price="6.95"), line(price="12.5"), line(**OTHER))
        settings = parsing(decimal_separator=",", thousands_separator=".")
        with pytest.raises(InputValidationError) as error:
            labelled(rows, parsing=settings)
        message = one_line(error)
        assert message.startswith("dataset 'raw_transactions', column 'price': ")
        assert "'2.50'" in message and "not in groups of 3" in message
        assert "decimal_separator '.', thousands_separator null" in message

    @pytest.mark.parametrize(
        ("text", "expected"),
        [("1.234,50", 1234.5), ("12.345.678", 12345678.0), ("2,55", 2.55), ("7", 7.0),
         ("0.550", None), ("2.55", None), ("1.23,4", None), ("12.3456", None)],
    )  # fmt: skip
    def test_thousands_are_groups_of_three(self, text, expected):
        settings = parsing(decimal_separator=",", thousands_separator=".")
        table = ibis.memtable({"text": [text]}, schema={"text": "string"})
        value = table.select(v=text_parsing.parse_number(table.text, settings)).execute()["v"][0]
        assert (expected is None and pd.isna(value)) or value == pytest.approx(expected)

    def test_typed_numbers_ignore_the_separators(self):
        frame = pd.DataFrame(numbered(GOOD, line(**OTHER)), columns=HEADER)
        frame["Price"] = [2.55, 1234.5]
        settings = parsing(decimal_separator=",", thousands_separator=".")
        table = ibis.memtable(frame.astype({"Price": "float64"}))  # as Parquet types it
        labels = labelled(table, parsing=settings).execute()
        assert sorted(labels["price_value"]) == [2.55, 1234.5]


class TestExportsOfSpreadsheets:
    def test_thousands_without_a_thousands_separator_stop_the_run(self):
        rows = numbered(GOOD, line(price="1,234.50"), *[line(**OTHER)] * 200)
        with pytest.raises(InputValidationError) as error:
            labelled(rows)  # 1 in 202: below any share, yet the largest amount
        message = one_line(error)
        assert message.startswith("dataset 'raw_transactions', column 'price': ")
        assert "'1,234.50'" in message and "parsing.thousands_separator" in message

    def test_ids_in_scientific_notation_stop_the_run(self):
        rows = numbered(GOOD, line(customer_id="1.28E+04"), line(**OTHER))
        with pytest.raises(InputValidationError) as error:
            labelled(rows)
        message = one_line(error)
        assert message.startswith("dataset 'raw_transactions', column 'customer_id': ")
        assert "'1.28E+04'" in message and "as text" in message

    def test_an_invoice_written_as_nan_is_no_order(self):
        rows = [
            GOOD,
            line(invoice="nan", stock_code="B2"),
            line(invoice="NaN", customer_id="99999"),
        ]
        clean, _ = split(labelled(rows))
        invoices = sorted(clean.execute()["invoice"])
        assert invoices == ["1001", "12345@2010-12-01", "99999@2010-12-01"]


class TestLineAmounts:
    AMOUNTS = parsing(price_is="line_amount")

    def test_the_unit_price_is_derived_and_the_revenue_is_the_amount(self):
        rows = [line(quantity="3", price="10.00"), line(invoice="C2", quantity="-2", price="-5")]
        rows.append(line(**OTHER, quantity="4", price="9.8"))
        clean, _ = split(labelled(rows, parsing=self.AMOUNTS))
        frame = clean.execute().sort_values("invoice")
        assert frame["line_revenue"].tolist() == [10.0, 9.8, -5.0]  # 1001, 9001, C2
        assert frame["price"].tolist() == pytest.approx([10 / 3, 2.45, 2.5])

    def test_bad_amounts_and_quantities_keep_their_reasons(self):
        rows = numbered(GOOD, line(price="x"), line(quantity="y"), line(quantity="0"))
        rows.append(line(**OTHER))
        assert reasons(rows, parsing=self.AMOUNTS) == [
            "kept",
            "unparseable_price",
            "unparseable_quantity",
            "zero_quantity",
            "kept",
        ]


class TestOrderAmounts:
    """``price_is: order_amount``: the column holds the order's total, once per order."""

    TOTALS = parsing(price_is="order_amount")

    def revenue_by_order(self, rows) -> dict[str, float]:
        clean, _ = split(labelled(rows, parsing=self.TOTALS))
        frame = clean.execute()
        return frame.groupby("invoice")["line_revenue"].sum().round(6).to_dict()

    def test_a_total_on_every_line_counts_once_per_order(self):
        rows = [line(stock_code="A1", price="30"), line(stock_code="B2", price="30")]
        rows += [line(**OTHER, price="12.5")]
        assert self.revenue_by_order(rows) == {"1001": 30.0, "9001": 12.5}

    def test_a_total_on_one_line_fills_the_others_of_its_order(self):
        # Shopify's order export writes "Total" on the first line of an order only
        rows = [line(stock_code="A1", price="30"), line(stock_code="B2", price="")]
        rows += [line(stock_code="C3", price=" "), line(**OTHER, price="12.5")]
        assert self.revenue_by_order(rows) == {"1001": 30.0, "9001": 12.5}

    def test_rejected_lines_leave_the_order_total_to_the_kept_ones(self):
        # the postage line is no product, but the order still cost its total
        rows = [line(stock_code="A1", price="30"), line(stock_code="POST", price="30")]
        rows += [line(**OTHER, price="12.5")]
        clean, rejected = split(labelled(rows, parsing=self.TOTALS))
        assert rejected.execute()["reason"].tolist() == ["non_product_code"]
        assert clean.execute().set_index("invoice")["line_revenue"].to_dict() == {
            "1001": 30.0,
            "9001": 12.5,
        }

    def test_a_cancelled_order_takes_its_total_back(self):
        rows = [line(price="30"), line(invoice="C1001", quantity="-6", price="30")]
        rows += [line(**OTHER, price="12.5")]
        assert self.revenue_by_order(rows) == {"1001": 30.0, "9001": 12.5, "C1001": -30.0}

    def test_differing_totals_in_one_order_stop_the_run(self):
        rows = [line(stock_code="A1", price="30"), line(stock_code="B2", price="12")]
        rows += [line(**OTHER, price="12.5")]
        with pytest.raises(InputValidationError) as error:
            labelled(rows, parsing=self.TOTALS)
        message = one_line(error)
        assert "column 'price'" in message
        assert (
            "1 order(s) carry different totals on their lines, e.g. ['1001: 12 and 30']" in message
        )
        assert "price_is in conf/<env>/parameters_data_processing.yml to line_amount" in message

    def test_without_an_invoice_column_the_orders_are_unknown(self):
        settings = typed_parameters("data_processing").model_dump()
        settings["parsing"]["price_is"] = "order_amount"
        settings["column_mapping"]["invoice"] = None
        with pytest.raises(InputValidationError) as error:
            typed_parameters("data_processing", settings)
        message = str(error.value)
        assert message.startswith("parameter 'data_processing.parsing.price_is': ")
        assert "no invoice column is mapped" in message


class TestSpreadsheetSerialDates:
    """A date cell saved as a number: days since 1899-12-30, the time as a fraction of a day."""

    SERIAL = parsing(date_format="excel_serial")

    def test_serial_days_read_to_the_second(self):
        rows = numbered(line(invoice_date="40148.3263888889"), line(invoice_date="40513"))
        rows.append(line(**OTHER, invoice_date=" 40878.5 "))
        frame = labelled(rows, parsing=self.SERIAL).execute().sort_values("invoice")
        assert frame["invoice_date_value"].astype(str).tolist() == [
            "2009-12-01 07:50:00",
            "2010-12-01 00:00:00",
            "2011-12-01 12:00:00",
        ]

    def test_a_serial_number_in_a_typed_column_reads_the_same(self):
        frame = pd.DataFrame(numbered(GOOD, line(**OTHER)), columns=HEADER)
        frame["InvoiceDate"] = [40148.3263888889, 40513.0]
        parsed = labelled(ibis.memtable(frame), parsing=self.SERIAL).execute()
        assert parsed["invoice_date_value"].astype(str).tolist() == [
            "2009-12-01 07:50:00",
            "2010-12-01 00:00:00",
        ]

    def test_text_dates_are_not_serials(self):
        lenient = self.SERIAL.model_copy(update={"max_unparseable_share": 0.9})
        rows = numbered(
            line(invoice_date="40148"),
            line(invoice_date="2010-12-01"),
            line(invoice_date="-3"),
            line(customer_id="99999", invoice_date="40149"),
        )
        reasons = labelled(rows, parsing=lenient).execute().sort_values("invoice")["reason"]
        assert reasons.fillna("kept").tolist() == [
            "kept",
            "unparseable_invoice_date",
            "unparseable_invoice_date",
            "kept",
        ]

    def test_serials_read_as_iso_dates_say_what_they_are(self):
        rows = [line(invoice_date="40148.3263888889"), line(**OTHER, invoice_date="40149.5")]
        with pytest.raises(InputValidationError) as error:
            labelled(rows)
        message = one_line(error)
        assert "column 'invoice_date'" in message
        assert "set data_processing.parsing.date_format to excel_serial" in message


class TestGuests:
    def test_lines_without_a_customer_become_guests_of_their_invoice(self):
        rows = numbered(GOOD, line(customer_id=""), line(customer_id="nan"), line(**OTHER))
        rows.append(line(invoice="", customer_id=""))
        settings = cleaning(drop_missing_customer=False)
        frame = labelled(rows, cleaning=settings).execute().sort_values("invoice")
        assert frame["reason"].fillna("kept").tolist() == ["missing_customer_id"] + ["kept"] * 4
        assert frame["customer_id_value"].tolist()[1:] == ["12345", "guest:02", "guest:03", "99999"]
        clean, _ = split(labelled(rows, cleaning=settings))
        assert clean.count().execute() == 4


class TestReaderOptions:
    @pytest.mark.parametrize(
        "load_args", [{"ignore_errors": True}, {"on_bad_lines": "skip"}, {"ignore_errors": "true"}]
    )
    def test_options_that_drop_lines_are_refused(self, load_args):
        config = {"raw_transactions": {"type": "ibis.FileDataset", "load_args": load_args}}
        with pytest.raises(InputValidationError) as error:
            check_reader_options(config)
        message = one_line(error)
        assert message.startswith("dataset 'raw_transactions': load_args.")
        assert "catalog.yml" in message

    @pytest.mark.parametrize(
        "config",
        [{}, {"raw_transactions": {"load_args": {"ignore_errors": False, "header": True}}},
         {"raw_transactions": {"type": "ibis.TableDataset"}}],
    )  # fmt: skip
    def test_other_options_pass(self, config):
        check_reader_options(config)
