"""Database dumps read as tables, columns and rows.

- :mod:`.postgres`: plain ``pg_dump`` output (``COPY … FROM stdin`` blocks, ``--inserts`` and
  ``--column-inserts``) and the custom format (``-Fc``, read by :mod:`.pg_custom`;
  ``pg_restore`` for what that does not read);
- :mod:`.pg_custom`: pg_dump's custom archive format, read front to back in bounded memory;
- :mod:`.mysql`: ``mysqldump`` / ``mariadb-dump`` (extended inserts, backslash escapes,
  ``_binary``, hex literals, backquoted names);
- :mod:`.sqlite`: SQLite database files, opened read-only and immutable;
- :mod:`.sql`: what they share: the value scanner, statement assembly, table shapes and the
  segments each value becomes.

Every value is a segment located ``table=schema.name/column=col/row=N`` with the column name as
context, so a ``pnr`` column lifts a bare 10-digit value and a ``telefon`` column makes one a
phone number. The row key is the primary key (``row=id:4711``) only when the key columns are
integers: a text key may itself be a personnummer or an e-mail address, and a locator must
not carry one. Otherwise it is the row's 1-based position in the table's data (``row=17``).
Names are data: before its first row, a table's name and its columns' names are segments of
their own (``table=…/name``, ``table=…/column=…/name``), and each is masked in every locator
that carries it where it holds a finding. Binary values (``bytea``, ``_binary``, hex
literals, blobs) are encoded data and never scanned as text. Dumps are streamed: memory does
not grow with the dump.

Each table ends with a :class:`~piiscan.model.TableRows` note (rows read, rows held), which the
scan's column profiles (:mod:`piiscan.scan.columns`) count from. With ``--sample-rows N``
(``Limits.sample_rows``) a table of more than ``N`` rows is read as a seeded, repeatable sample
(:class:`~piiscan.extractors.dumps.sql.RowSampler`; SQLite seeks by rowid).

A big plain dump (``pg_dump``, ``mysqldump``) is read in ranges by the same readers
(:func:`.postgres.pg_sql_rows`, :func:`.mysql.mysql_rows`), each range starting between
statements or between the rows of a ``COPY`` block with the table shapes and row counts of
what came before (:mod:`piiscan.scan.range_cuts.dumps`).

.. versionadded:: 0.2
"""
