"""Explain why a ``kedro run`` failed, on one line that names what to fix.

``run_errors.error_line`` is the entry point (``cli.py`` prints what it returns). The
modules, each importing only those listed above it:

- ``messages``: text on one line, the quoted start of a line, ``message_line`` (the format
  of every message) and ``FileProblem`` (a problem, its fix and its line);
- ``causes``: ``error_chain``, an error and its causes;
- ``project``: ``Project``, the run's ``conf/`` folder, environment and catalog;
- ``file_content``: ``CsvFile`` and what the file holds: compressed, a workbook, Parquet,
  UTF-16 or HTML instead of CSV text, or a line that is not UTF-8;
- ``csv_structure``: the lines of a CSV: separator, quotes, the number of fields, the column
  that holds an unquoted separator, and ``file_problem`` (every check of a file);
- ``reader_messages``: what DuckDB or pandas said (``parse_reader_message``) and the
  problem it points at (``csv_reader_problem``);
- ``dataset_errors``: a dataset that cannot be read or written, a CSV a node reads, and an
  input error caused by a broken file;
- ``config_errors``: an unknown ``--env``, a YAML file that does not parse, a key two files
  define;
- ``run_errors``: ``error_line``, which of the above an error gets.
"""
