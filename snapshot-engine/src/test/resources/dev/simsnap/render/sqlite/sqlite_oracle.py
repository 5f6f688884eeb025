"""Independent oracle for the SQLite round-trip tests: Python's standard sqlite3 module.

  python3 sqlite_oracle.py dump DB   stdin: JSON list of extra queries; stdout: JSON of everything a reader sees
  python3 sqlite_oracle.py exec DB   stdin: JSON list of SQL statements, executed and committed
"""
import json
import sqlite3
import sys


def cell(v):
    if v is None:
        return ["null"]
    if isinstance(v, int):
        return ["integer", str(v)]
    if isinstance(v, float):
        return ["real", repr(v)]
    if isinstance(v, str):
        return ["text", v]
    if isinstance(v, bytes):
        return ["blob", v.hex()]
    raise TypeError(type(v))


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def dump(path, queries):
    con = sqlite3.connect("file:" + path + "?mode=ro", uri=True)
    out = {
        "sqlite_master": [list(r) for r in con.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
            "ORDER BY type, name")],
        "integrity_check": [r[0] for r in con.execute("PRAGMA integrity_check")],
        "tables": {},
        "queries": [],
    }
    tables = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    for t in tables:
        info = [list(r) for r in con.execute("SELECT * FROM pragma_table_info(?) ORDER BY cid", (t,))]
        cols = [c[1] for c in info]
        select = ", ".join("typeof(%s), %s" % (quote(c), quote(c)) for c in cols)
        rows = []
        for r in con.execute("SELECT rowid, %s FROM %s ORDER BY rowid" % (select, quote(t))):
            row = [r[0]]
            for i in range(len(cols)):
                typeof, v = r[1 + 2 * i], r[2 + 2 * i]
                c = cell(v)
                if c[0] != typeof:
                    raise AssertionError("typeof %s but python value %r" % (typeof, v))
                row.append(c)
            rows.append(row)
        out["tables"][t] = {"columns": info, "rows": rows}
    for q in queries:
        out["queries"].append({"query": q, "rows": [[cell(v) for v in r] for r in con.execute(q)]})
    con.close()
    json.dump(out, sys.stdout, ensure_ascii=True, sort_keys=True, indent=1)


def execute(path, statements):
    con = sqlite3.connect(path)
    for s in statements:
        con.execute(s)
    con.commit()
    con.close()


if __name__ == "__main__":
    mode, path = sys.argv[1], sys.argv[2]
    arg = json.load(sys.stdin)
    if mode == "dump":
        dump(path, arg)
    elif mode == "exec":
        execute(path, arg)
    else:
        raise SystemExit("unknown mode " + mode)
