"""A SQLite database as ``rows`` collections (docs/sqlite-tables.md): the item schema of a table and its rows."""

import math
import re

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CELL = ["null", "long", "double", "string", "bytes"]


def avro_name(name):
    if _PLAIN.match(name) and not name.startswith("_x"):
        return name
    return "_x" + name.encode("utf-8").hex()


def _quote(name):
    return '"' + name.replace('"', '""') + '"'


def tables(conn):
    """Ordinary tables (not ``sqlite_*``), in ``sqlite_master`` order: ``[(name, ddl)]``."""
    return [(n, sql) for n, sql in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        " ORDER BY rowid")]


def columns(conn, table):
    return [r[1] for r in conn.execute("PRAGMA table_info(%s)" % _quote(table))]


def table_schema(conn, table, ddl):
    """The item schema of ``table`` by the rule of docs/sqlite-tables.md."""
    fields = []
    for c in columns(conn, table):
        f = {"name": avro_name(c), "type": list(CELL), "default": None}
        if f["name"] != c:
            f["sqlite.column"] = c
        fields.append(f)
    schema = {"type": "record", "name": "table_" + avro_name(table), "namespace": "simsnap.sqlite",
              "fields": fields, "sqlite.table": table, "sqlite.ddl": ddl}
    for kind, key in (("index", "sqlite.indexes"), ("trigger", "sqlite.triggers")):
        sqls = [r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE type = ? AND tbl_name = ? AND sql IS"
                                           " NOT NULL ORDER BY rowid", (kind, table))]
        if sqls:
            schema[key] = sqls
    return schema


def same_table_schema(a, b):
    """True when two table item schemas describe the same table (field names, column names, types, DDL, indexes,
    triggers), whatever their key order or the registry's normalisation."""
    def norm(s):
        return (s.get("name", "").rpartition(".")[2],
                [(f["name"], f.get("sqlite.column"), f["type"]) for f in s.get("fields", [])],
                s.get("sqlite.table"), s.get("sqlite.ddl"), s.get("sqlite.indexes") or [],
                s.get("sqlite.triggers") or [])
    return norm(a) == norm(b)


def rows(conn, table):
    """``{rowid: {avro column name: value}}`` of ``table``, values as SQLite stores them (int, float, str, bytes,
    None)."""
    names = [avro_name(c) for c in columns(conn, table)]
    out = {}
    for r in conn.execute("SELECT rowid, * FROM %s ORDER BY rowid" % _quote(table)):
        out[r[0]] = dict(zip(names, r[1:]))
    return out


def check_cell(table, column, rowid, value):
    """Values the gateway's JSON can carry with their storage class: NULL, INTEGER, finite REAL, TEXT."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise ValueError("table %s, row %s, column %s: a BLOB cannot be sent through the gateway's JSON (it has no"
                         " bytes form for the rows' [\"null\",\"long\",\"double\",\"string\",\"bytes\"] union)"
                         % (table, rowid, column))
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("table %s, row %s, column %s: %r is not JSON" % (table, rowid, column, value))
