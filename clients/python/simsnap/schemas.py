"""Avro schemas for simsnap state models, derived from pydantic models or from plain Python values, plus a minimal
Avro binary codec and Confluent framing. Standard library only: pydantic is never imported here; it is only
inspected when the caller hands in a pydantic model class.

Public API
==========
- :func:`from_pydantic` ``(model_cls, namespace=None) -> dict``: the Avro record schema of a pydantic v2 model.
- :func:`from_values` ``(name, obj_or_dict, previous_schema=None, *, exclude=(), namespace=None) -> dict``: the
  Avro record schema of a plain object (``vars(obj)``) or dict, widened compatibly from ``previous_schema``.
- :func:`encode` ``(schema, datum) -> bytes`` / :func:`decode` ``(schema, data) -> value``: Avro binary.
- :func:`frame` ``(schema_id, body) -> bytes`` / :func:`unframe` ``(data) -> (schema_id, body)``: Confluent wire
  format (magic byte 0, 4-byte big-endian schema id, Avro body).
- :data:`JSON_VALUE` (the full name ``"simsnap.json.Value"``), :func:`json_value_schema`,
  :func:`wrap_json_value` / :func:`unwrap_json_value` (to hand JSON values to other Avro libraries).

Schemas are plain JSON-able dicts (``json.dumps`` them to register). Every named type is defined at its first
occurrence (document order) and referenced by its full name afterwards.

The JSON value type ``simsnap.json.Value``
==========================================
Free-form data (``Any``, ``dict[str, Any]``) is the recursive record::

    {"type": "record", "name": "Value", "namespace": "simsnap.json", "fields": [{"name": "v", "type":
      ["null", "boolean", "long", "double", "string",
       {"type": "array", "items": "simsnap.json.Value"}, {"type": "map", "values": "simsnap.json.Value"}]}]}

A JSON value is encoded as that union: ``None`` -> null, ``bool`` -> boolean, ``int`` -> long, ``float`` -> double,
``str`` -> string, ``list``/``tuple`` -> array, ``dict`` (string keys) -> map. Ints and floats stay distinct
(``1`` and ``1.0`` round-trip as themselves). Ints outside the signed 64-bit range are refused (``ValueError``);
NaN and infinities are doubles (not JSON, but kept). In :func:`encode` / :func:`decode` the type is transparent:
you pass and get plain Python values. Other Avro libraries see the record form ``{"v": ...}`` at every level;
:func:`wrap_json_value` / :func:`unwrap_json_value` convert. Field defaults of this type can only be null
(``{"v": null}``), because a union default must match the union's first branch.

from_pydantic rules
===================
- Record named after the class; ``namespace`` defaults to the class's module (``__module__``, characters that are
  not valid in Avro names replaced by ``_``); nested models use the same namespace. The class docstring (its own,
  not an inherited one) becomes the record's ``doc``; ``Field(description=...)`` becomes the field's ``doc``.
- Fields in model field order, named by field name (not alias: ``model_dump()`` uses field names).
- ``str`` -> string, ``int`` -> long, ``float`` -> double, ``bool`` -> boolean, ``bytes``/``bytearray`` -> bytes,
  ``None`` -> null.
- ``Optional[X]`` / ``X | None`` -> ``["null", X]`` with default null (also for a required Optional field: null is
  a valid value of the field, and the default lets later versions add such fields). With a non-null default
  ``d`` the union is ``[X, "null"]`` with default ``d`` (Avro: a union default matches the first branch).
- Other unions -> Avro unions, flattened, duplicate kinds removed, ``null`` first and ``long`` before ``double``
  (so readers that resolve by first match keep ints as ints). Two array (or two map) branches are refused.
- ``list[X]``, ``List``, ``Sequence``, ``set``, ``frozenset``, ``tuple[X, ...]`` -> array of X (``tuple[X, Y]``:
  array of the union); bare ``list`` -> array of JSON values.
- ``dict[str, X]`` / ``Mapping[str, X]`` -> map of X (keys must be strings); ``dict[str, Any]`` and bare ``dict``
  -> map of ``simsnap.json.Value``; ``Any`` (and ``object``) -> ``simsnap.json.Value``.
- Nested ``BaseModel`` -> nested record (a model used twice is defined once and referenced; a model referring to
  itself works; two different classes with one name in one namespace are refused).
- ``Literal[...]`` of strings and ``Enum`` classes with string values -> string; of ints -> long; of bools ->
  boolean (mixed literals -> union). Decision: no Avro enums, because an enum's symbol set is a schema: an
  LLM-chosen or newly added value would need a new schema version, removing one breaks old data, and the model
  class validates values anyway.
- Constrained types (``conint(ge=18)``, ``Field(ge=18)``, ``Annotated[int, ...]``, ``constr``, strict types)
  -> their base type; the constraints stay in the pydantic model.
- Field defaults -> Avro defaults when representable in the field's Avro type (JSON-able, a union's default
  matching its first branch, which is chosen to make it so; bytes as ISO-8859-1 text; nested models as dicts);
  ``default_factory`` only when it is ``list``, ``dict``, ``set``, ``frozenset`` or ``tuple`` (an empty
  container); anything else -> no default. Required fields -> no default.
- Unsupported annotations (``datetime``, ``Decimal``, ``UUID``, dicts with non-string keys, ...) raise
  ``TypeError`` naming the field.

from_values rules
=================
Derivation (``previous_schema=None``): a record named ``name`` (namespace: ``namespace``, else the object's class
module; none for a dict) with one field per attribute of ``vars(obj)`` (or per key of the dict), in that order,
minus the names in ``exclude`` (references such as ``db``, ``stocks``, ``broker``, ``persons``; ``exclude``
applies to the attributes of every object, never to the keys of a dict held in an attribute). Attribute names
with a leading underscore (``_bid_step``) are kept: they are valid Avro names and the seeds pickle them.

- ``bool`` -> boolean (checked before int: bool is an int subclass), ``int`` -> long (outside 64 bits:
  ``ValueError``), ``float`` -> double, ``str`` -> string, ``bytes`` -> bytes, ``None`` -> null (field default
  null), ``Enum`` members -> their value.
- ``list``/``tuple`` -> array whose items are the union of the item types (each item widens the item type, rules
  below); an empty list -> array of ``"null"``: the most permissive start, which widens to ``["null", X]`` when
  items arrive (it costs one union byte per item; derive from a populated sample to avoid it).
- ``dict`` (string keys; others raise ``TypeError``) -> map whose values are the union of the value types (keys
  are data, not field names); empty dict -> map of ``"null"``. The top-level ``obj_or_dict`` is the record.
- Objects with ``__dict__`` -> nested record named after their class (same namespace); objects of another class
  at the same place widen that record (a nested record is keyed by place, not by class).
- Fields of a freshly derived record have no default unless their type is or starts with null.

Widening (``previous_schema`` given, e.g. the version registered last): the result admits the old values and the
new one, and is BACKWARD (and, since nothing is ever removed, BACKWARD_TRANSITIVE) compatible with
``previous_schema``: a reader with the new schema reads data written with any older one. Rules:

- A value that fits the old type keeps it (int in long, float in double, an int in ``int`` only if it fits 32
  bits, else ``int`` -> ``long``, a promotion). An int is never put into a double branch: ints stay ints.
- A value of another kind adds a union branch: ``long`` + float -> ``["long", "double"]``; ``double`` + int ->
  ``["long", "double"]`` (``long`` is always placed before ``double``, so first-match readers keep ints as ints);
  other new branches are appended; null is inserted first (``["null", ...]``).
- A field that now holds ``None`` gains null as its first branch and default null (if it has a non-null default,
  null is appended instead and the default kept).
- A new attribute becomes a new last field ``["null", X]`` (or ``"null"``) with default null, so old data reads.
- A missing attribute keeps its field: a field with a default is written as its default; one without becomes
  nullable (rule above) and is written as null. Fields are never removed or reordered.
- Arrays and maps widen their item / value type; nested records widen recursively; ``simsnap.json.Value`` admits
  every JSON value; an Avro enum gains a missing symbol (appended; an invalid symbol name raises ``TypeError``);
  a ``fixed`` of another size raises ``TypeError``.
- The top-level record keeps the previous schema's name and namespace (a different ``name`` raises
  ``ValueError``: renaming a record is not compatible).
- When nothing had to change, the very ``previous_schema`` object is returned (so ``result is previous_schema``
  and ``==``), and the caller registers nothing. ``previous_schema`` is never modified.

To derive one schema for many items: ``s = None; for p in persons: s = from_values("Person", p, s, exclude=...)``.

Codec (encode / decode)
=======================
The Avro binary encoding for null, boolean, int, long (zigzag varints), float, double (little-endian IEEE 754),
bytes, string, record, enum, fixed, array and map (one block of items then the 0 terminator, as Apache Avro's
writers do; the decoder also reads multi-block and negative-count blocks) and unions. A record datum is a dict
(missing keys -> the field's default) or an object (attributes; missing -> default). The union branch is chosen by
the Python type of the value, not by trying branches in order: ``None`` -> null; ``bool`` -> boolean; ``int`` ->
long, else int (if in range), else double/float; ``float`` -> double, else float; ``str`` -> an enum that has the
symbol, else string; ``bytes`` -> bytes or fixed of that size; ``list``/``tuple`` -> array; ``dict`` -> map, else
the record whose fields fit the keys; other objects -> the record named like their class, else the first record;
``simsnap.json.Value`` takes any JSON value when no other branch does. ``decode`` returns dicts for records, str
for enums, bytes for bytes/fixed, and plain values for ``simsnap.json.Value``. No schema resolution: decode with
the writer's schema.
"""

import collections.abc
import copy
import enum
import json
import math
import re
import struct
import typing

__all__ = ["from_pydantic", "from_values", "encode", "decode", "frame", "unframe", "JSON_VALUE",
           "json_value_schema", "wrap_json_value", "unwrap_json_value"]

JSON_VALUE = "simsnap.json.Value"

_JSON_VALUE_DEF = {
    "type": "record", "name": "Value", "namespace": "simsnap.json",
    "doc": "Any JSON value: null, boolean, long (ints), double (floats), string, array or map (object) of values.",
    "fields": [{"name": "v", "type": [
        "null", "boolean", "long", "double", "string",
        {"type": "array", "items": JSON_VALUE}, {"type": "map", "values": JSON_VALUE}]}],
}

_PRIMITIVES = frozenset(["null", "boolean", "int", "long", "float", "double", "bytes", "string"])
_NAMED = frozenset(["record", "error", "enum", "fixed"])
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INT_MIN, _INT_MAX = -(1 << 31), (1 << 31) - 1
_LONG_MIN, _LONG_MAX = -(1 << 63), (1 << 63) - 1
_MISSING = object()


def json_value_schema():
    """A copy of the ``simsnap.json.Value`` record schema."""
    return copy.deepcopy(_JSON_VALUE_DEF)


def wrap_json_value(value):
    """A plain JSON value as the datum other Avro libraries expect for ``simsnap.json.Value`` (``{"v": ...}``)."""
    value = _unenum(value)
    if isinstance(value, (list, tuple)):
        return {"v": [wrap_json_value(x) for x in value]}
    if isinstance(value, dict):
        return {"v": {k: wrap_json_value(x) for k, x in value.items()}}
    return {"v": value}


def unwrap_json_value(datum):
    """The inverse of :func:`wrap_json_value`."""
    v = datum["v"]
    if isinstance(v, list):
        return [unwrap_json_value(x) for x in v]
    if isinstance(v, dict):
        return {k: unwrap_json_value(x) for k, x in v.items()}
    return v


# ---------------------------------------------------------------------------------------------------------------
# Schema trees: a schema is "exploded" into a tree where every named type is a full-name reference, plus a table
# of definitions (full name -> definition whose field types are trees); "imploded" back to Avro JSON with each
# named type defined at its first occurrence.

def _full(name, ns):
    if "." in name:
        return name
    return "%s.%s" % (ns, name) if ns else name


def _split(fullname):
    if "." in fullname:
        ns, _, name = fullname.rpartition(".")
        return ns, name
    return None, fullname


def _explode(schema, ns, defs):
    if isinstance(schema, str):
        if schema in _PRIMITIVES:
            return schema
        full = _full(schema, ns)
        if full not in defs:
            if full == JSON_VALUE:
                _explode(copy.deepcopy(_JSON_VALUE_DEF), None, defs)
            else:
                raise ValueError("unknown type name %r" % (schema,))
        return full
    if isinstance(schema, list):
        return [_explode(b, ns, defs) for b in schema]
    if not isinstance(schema, dict):
        raise ValueError("not an Avro schema: %r" % (schema,))
    t = schema.get("type")
    if isinstance(t, (dict, list)):
        return _explode(t, ns, defs)
    if t in _NAMED:
        name = schema["name"]
        own_ns = schema.get("namespace", ns) if "." not in name else None
        full = _full(name, own_ns)
        fns, simple = _split(full)
        d = dict(schema)
        d["name"] = simple
        if fns:
            d["namespace"] = fns
        else:
            d.pop("namespace", None)
        if full in defs:
            raise ValueError("type %s is defined twice" % full)
        defs[full] = d
        if t in ("record", "error"):
            d["fields"] = [dict(f, type=_explode(f["type"], fns, defs)) for f in schema["fields"]]
        return full
    if t == "array":
        return dict(schema, items=_explode(schema["items"], ns, defs))
    if t == "map":
        return dict(schema, values=_explode(schema["values"], ns, defs))
    if t in _PRIMITIVES:
        return t if len(schema) == 1 else dict(schema)
    if isinstance(t, str):
        return _explode(t, ns, defs)
    raise ValueError("not an Avro schema: %r" % (schema,))


def _implode(tree, defs, emitted):
    if isinstance(tree, str):
        if tree in _PRIMITIVES:
            return tree
        if tree in emitted:
            return tree
        emitted.add(tree)
        d = defs[tree]
        out = {k: v for k, v in d.items() if k != "fields"}
        if "fields" in d:
            out["fields"] = [dict(f, type=_implode(f["type"], defs, emitted)) for f in d["fields"]]
        return out
    if isinstance(tree, list):
        return [_implode(b, defs, emitted) for b in tree]
    if tree.get("type") == "array":
        return dict(tree, items=_implode(tree["items"], defs, emitted))
    if tree.get("type") == "map":
        return dict(tree, values=_implode(tree["values"], defs, emitted))
    return dict(tree)


def _kind(t, defs):
    """Kind of a tree type: a primitive name, 'array', 'map', 'record', 'enum', 'fixed', 'json' or 'union'."""
    if isinstance(t, list):
        return "union"
    if isinstance(t, str):
        if t in _PRIMITIVES:
            return t
        if t == JSON_VALUE:
            return "json"
        k = defs[t]["type"]
        return "record" if k == "error" else k
    return t["type"]


def _unenum(v):
    return v.value if isinstance(v, enum.Enum) else v


def _is_object(v):
    return hasattr(v, "__dict__") and not isinstance(v, (type, dict, list, tuple, str, bytes, bytearray))


def _prefs(v, promote):
    """Branch kinds a value may take, best first."""
    if v is None:
        return ("null", "json")
    if isinstance(v, bool):
        return ("boolean", "json")
    if isinstance(v, int):
        return ("long", "int", "json", "double", "float") if promote else ("long", "int", "json")
    if isinstance(v, float):
        return ("double", "float", "json")
    if isinstance(v, str):
        return ("enum", "string", "json")
    if isinstance(v, (bytes, bytearray, memoryview)):
        return ("bytes", "fixed")
    if isinstance(v, (list, tuple)):
        return ("array", "json")
    if isinstance(v, collections.abc.Mapping):
        return ("map", "record", "json")
    if _is_object(v):
        return ("record",)
    return ()


def _branch_ok(t, kind, v, defs, promote):
    if kind == "int":
        return _INT_MIN <= v <= _INT_MAX
    if kind == "long":
        return _LONG_MIN <= v <= _LONG_MAX
    if kind == "enum":
        return v in defs[t]["symbols"]
    if kind == "fixed":
        return len(v) == defs[t]["size"]
    return True


def _select(branches, v, defs, promote):
    """Index of the union branch for ``v`` (see the module doc), or -1."""
    kinds = [_kind(b, defs) for b in branches]
    for want in _prefs(v, promote):
        cands = [i for i, k in enumerate(kinds) if k == want and _branch_ok(branches[i], k, v, defs, promote)]
        if not cands:
            continue
        if want == "record" and len(cands) > 1:
            if isinstance(v, collections.abc.Mapping):
                for i in cands:
                    fields = defs[branches[i]]["fields"]
                    names = {f["name"] for f in fields}
                    if set(v) <= names and all(f["name"] in v for f in fields if "default" not in f):
                        return i
            else:
                cls = type(v).__name__
                for i in cands:
                    if defs[branches[i]]["name"] == cls:
                        return i
        return cands[0]
    return -1


# ---------------------------------------------------------------------------------------------------------------
# Defaults

class _Unrepresentable(Exception):
    pass


def _to_default(t, v, defs):
    """The Avro JSON default for Python value ``v`` in tree type ``t`` (a union: its first branch)."""
    v = _unenum(v)
    if isinstance(t, list):
        return _to_default(t[0], v, defs)
    k = _kind(t, defs)
    if k == "null" and v is None:
        return None
    if k == "boolean" and isinstance(v, bool):
        return v
    if k in ("int", "long") and isinstance(v, int) and not isinstance(v, bool):
        if _branch_ok(t, k, v, defs, False):
            return v
    if k in ("float", "double") and isinstance(v, (int, float)) and not isinstance(v, bool):
        if math.isfinite(v):
            return v
    if k == "string" and isinstance(v, str):
        return v
    if k in ("bytes", "fixed") and isinstance(v, (bytes, bytearray)):
        if k == "bytes" or len(v) == defs[t]["size"]:
            return bytes(v).decode("latin-1")
    if k == "enum" and isinstance(v, str) and v in defs[t]["symbols"]:
        return v
    if k == "array" and isinstance(v, (list, tuple, set, frozenset)):
        return [_to_default(t["items"], x, defs) for x in v]
    if k == "map" and isinstance(v, dict) and all(isinstance(x, str) for x in v):
        return {x: _to_default(t["values"], y, defs) for x, y in v.items()}
    if k == "json" and v is None:
        return {"v": None}
    if k == "record":
        dump = getattr(v, "model_dump", None)
        if callable(dump):
            v = dump()
        if isinstance(v, dict):
            out = {}
            for f in defs[t]["fields"]:
                if f["name"] in v:
                    out[f["name"]] = _to_default(f["type"], v[f["name"]], defs)
                elif "default" in f:
                    out[f["name"]] = f["default"]
                else:
                    raise _Unrepresentable()
            return out
    raise _Unrepresentable()


def _from_default(t, d, defs):
    """The Python datum of Avro JSON default ``d`` in tree type ``t``."""
    if isinstance(t, list):
        return _from_default(t[0], d, defs)
    k = _kind(t, defs)
    if k in ("bytes", "fixed"):
        return d.encode("latin-1")
    if k in ("float", "double"):
        return float(d)
    if k == "array":
        return [_from_default(t["items"], x, defs) for x in d]
    if k == "map":
        return {x: _from_default(t["values"], y, defs) for x, y in d.items()}
    if k == "json":
        return unwrap_json_value(d)
    if k == "record":
        return {f["name"]: _from_default(f["type"], d[f["name"]] if f["name"] in d else f.get("default"), defs)
                for f in defs[t]["fields"]}
    return d


def _default_ok(t, d, defs):
    try:
        k = _kind(t[0] if isinstance(t, list) else t, defs)
    except KeyError:
        return False
    if d is None:
        return k in ("null", "json")
    if isinstance(d, bool):
        return k == "boolean"
    if isinstance(d, (int, float)):
        return k in ("int", "long", "float", "double") and (isinstance(d, int) or k in ("float", "double"))
    if isinstance(d, str):
        return k in ("string", "bytes", "enum", "fixed")
    if isinstance(d, list):
        return k == "array"
    if isinstance(d, dict):
        return k in ("map", "record", "json")
    return False


# ---------------------------------------------------------------------------------------------------------------
# Union construction

def _add_branch(branches, new, defs):
    """``branches`` (a list) with ``new`` added: null first, long before the first double/float, else last."""
    branches = list(branches)
    new_branches = new if isinstance(new, list) else [new]
    for b in new_branches:
        kinds = [_kind(x, defs) for x in branches]
        k = _kind(b, defs)
        if k in ("record", "enum", "fixed"):
            if b in branches:
                continue
        elif k in kinds and k not in ("record", "enum", "fixed"):
            if k in ("array", "map"):
                raise TypeError("a union cannot hold two %s types" % k)
            continue
        if k == "null":
            branches.insert(0, b)
        elif k in ("long", "int") and ("double" in kinds or "float" in kinds):
            first = min(i for i, x in enumerate(kinds) if x in ("double", "float"))
            branches.insert(first, b)
        else:
            branches.append(b)
    return branches


def _union(types, defs):
    """One tree type for a list of tree types (flattened, deduplicated, ordered)."""
    out = []
    for t in types:
        if t == JSON_VALUE:
            return JSON_VALUE
        out = _add_branch(out, t, defs)
    return out[0] if len(out) == 1 else out


def _nullable_first(t):
    if t == "null":
        return True
    return isinstance(t, list) and t and t[0] == "null"


# ---------------------------------------------------------------------------------------------------------------
# from_pydantic

def _module_ns(cls):
    mod = getattr(cls, "__module__", None) or ""
    parts = [re.sub(r"[^A-Za-z0-9_]", "_", p) for p in mod.split(".") if p]
    parts = [("_" + p if p[0].isdigit() else p) for p in parts]
    return ".".join(parts) or None


def _is_model(cls):
    return isinstance(cls, type) and isinstance(getattr(cls, "model_fields", None), dict) \
        and hasattr(cls, "model_dump")


class _State:
    def __init__(self, ns=None, exclude=()):
        self.ns = ns
        self.defs = {}
        self.classes = {}
        self.exclude = frozenset(exclude)
        self.changed = False
        self.where = ""


def _json_ref(st):
    if JSON_VALUE not in st.defs:
        _explode(copy.deepcopy(_JSON_VALUE_DEF), None, st.defs)
    return JSON_VALUE


_UnionType = getattr(__import__("types"), "UnionType", None)  # X | Y (3.10+)
_Annotated = getattr(typing, "Annotated", None)  # 3.9+
_SEQ_ORIGINS = (list, set, frozenset, collections.abc.Sequence, collections.abc.MutableSequence,
                collections.abc.Set, collections.abc.MutableSet, collections.abc.Iterable, collections.abc.Collection)
_MAP_ORIGINS = (dict, collections.abc.Mapping, collections.abc.MutableMapping)


def _pyd_type(ann, st):
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    if ann is typing.Any or ann is object:
        return _json_ref(st)
    if _Annotated is not None and origin is _Annotated:
        return _pyd_type(args[0], st)
    if ann is None or ann is type(None):
        return "null"
    if origin is typing.Union or (_UnionType is not None and origin is _UnionType):
        return _union([_pyd_type(a, st) for a in args], st.defs)
    if origin is typing.Literal:
        return _union([_pyd_type(type(_unenum(a)), st) for a in args], st.defs)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": _pyd_type(args[0], st)}
        return {"type": "array", "items": _union([_pyd_type(a, st) for a in args], st.defs) if args
                else _json_ref(st)}
    if origin in _SEQ_ORIGINS:
        return {"type": "array", "items": _pyd_type(args[0], st) if args else _json_ref(st)}
    if origin in _MAP_ORIGINS:
        if args:
            if _pyd_type(args[0], st) != "string":
                raise TypeError("%s: map keys must be strings, not %r" % (st.where, args[0]))
            return {"type": "map", "values": _pyd_type(args[1], st)}
        return {"type": "map", "values": _json_ref(st)}
    if isinstance(ann, type):
        if issubclass(ann, enum.Enum):
            return _union([_pyd_type(type(m.value), st) for m in ann], st.defs)
        if issubclass(ann, bool):
            return "boolean"
        if issubclass(ann, int):
            return "long"
        if issubclass(ann, float):
            return "double"
        if issubclass(ann, str):
            return "string"
        if issubclass(ann, (bytes, bytearray)):
            return "bytes"
        if _is_model(ann):
            return _pyd_record(ann, st)
        if issubclass(ann, (list, tuple, set, frozenset)):
            return {"type": "array", "items": _json_ref(st)}
        if issubclass(ann, dict):
            return {"type": "map", "values": _json_ref(st)}
    raise TypeError("%s: no Avro type for %r" % (st.where or "type", ann))


def _pyd_record(cls, st):
    full = _full(cls.__name__, st.ns)
    if full in st.defs:
        if st.classes.get(full) is cls:
            return full
        raise TypeError("two types named %s in one schema" % full)
    ns, simple = _split(full)
    d = {"type": "record", "name": simple}
    if ns:
        d["namespace"] = ns
    doc = cls.__dict__.get("__doc__")
    if doc and doc.strip():
        import inspect
        d["doc"] = inspect.cleandoc(doc)
    d["fields"] = []
    st.defs[full] = d
    st.classes[full] = cls
    for name, fi in cls.model_fields.items():
        if not _NAME_RE.match(name):
            raise TypeError("%s.%s: not a valid Avro field name" % (cls.__name__, name))
        outer = st.where
        st.where = "%s.%s" % (cls.__name__, name)
        t = _pyd_type(fi.annotation, st)
        st.where = outer
        field = {"name": name, "type": t}
        if getattr(fi, "description", None):
            field["doc"] = fi.description
        value = _MISSING
        if not fi.is_required():
            factory = getattr(fi, "default_factory", None)
            if factory is None:
                value = fi.default
            elif factory in (list, dict, set, frozenset, tuple):
                value = factory()
        if value is not _MISSING:
            t2 = t
            if isinstance(t, list):
                i = _select(t, _unenum(value), st.defs, promote=False)
                if i > 0:
                    t2 = [t[i]] + t[:i] + t[i + 1:]
            try:
                field["default"] = _to_default(t2, value, st.defs)
                field["type"] = t2
            except _Unrepresentable:
                pass
        elif fi.is_required() and (_nullable_first(t) or (isinstance(t, list) and "null" in t)):
            if isinstance(t, list) and t[0] != "null":
                field["type"] = ["null"] + [b for b in t if b != "null"]
            field["default"] = None
        elif fi.is_required() and t == JSON_VALUE:
            field["default"] = {"v": None}  # like Optional: null is a value of the field
        d["fields"].append(field)
    return full


def from_pydantic(model_cls, namespace=None):
    """The Avro record schema (a JSON-able dict) of pydantic v2 model class ``model_cls``; see the module doc."""
    if not _is_model(model_cls):
        raise TypeError("%r is not a pydantic v2 model class" % (model_cls,))
    st = _State(ns=namespace if namespace is not None else _module_ns(model_cls))
    top = _pyd_record(model_cls, st)
    return _implode(top, st.defs, set())


# ---------------------------------------------------------------------------------------------------------------
# from_values

def _attrs(v, st):
    if isinstance(v, collections.abc.Mapping):
        for k in v:
            if not isinstance(k, str):
                raise TypeError("%s: record keys must be strings, not %r" % (st.where or "value", k))
        return dict(v)
    return {k: x for k, x in vars(v).items() if k not in st.exclude}


def _check_name(name, st):
    if not _NAME_RE.match(name):
        raise ValueError("%s: %r is not a valid Avro field name" % (st.where or "value", name))


def _infer(v, st):
    v = _unenum(v)
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        if not _LONG_MIN <= v <= _LONG_MAX:
            raise ValueError("%s: int %d does not fit a 64-bit long" % (st.where or "value", v))
        return "long"
    if isinstance(v, float):
        return "double"
    if isinstance(v, str):
        return "string"
    if isinstance(v, (bytes, bytearray)):
        return "bytes"
    if isinstance(v, (list, tuple)):
        items = None
        for x in v:
            items = _widen(items, x, st)
        return {"type": "array", "items": items if items is not None else "null"}
    if isinstance(v, collections.abc.Mapping):
        values = None
        for k, x in v.items():
            if not isinstance(k, str):
                raise TypeError("%s: map keys must be strings, not %r" % (st.where or "value", k))
            values = _widen(values, x, st)
        return {"type": "map", "values": values if values is not None else "null"}
    if _is_object(v):
        full = _full(type(v).__name__, st.ns)
        if full in st.defs:
            _widen_record(full, v, st)
            return full
        return _new_record(full, v, st)
    raise TypeError("%s: no Avro type for %r (%s)" % (st.where or "value", v, type(v).__name__))


def _new_record(full, v, st):
    ns, simple = _split(full)
    d = {"type": "record", "name": simple}
    if ns:
        d["namespace"] = ns
    d["fields"] = []
    st.defs[full] = d
    outer = st.where
    for name, x in _attrs(v, st).items():
        st.where = "%s.%s" % (outer or simple, name)
        _check_name(name, st)
        t = _infer(x, st)
        added = [f for f in d["fields"] if f["name"] == name]
        if added:  # added meanwhile by a value of this record type nested inside x
            _widen_field(added[0], x, st)
            continue
        field = {"name": name, "type": t}
        if _nullable_first(t):
            field["default"] = None
        d["fields"].append(field)
    st.where = outer
    return full


def _widen_field(f, x, st):
    while True:
        before = f["type"]
        t = _widen(before, x, st)
        if f["type"] == before:
            break
        # a value of a record type inside itself widened this very field meanwhile: widen its new type again
    if "default" in f and not _default_ok(t, f["default"], st.defs):
        if isinstance(t, list) and t[0] == "null" and f["default"] is not None:
            t = t[1:] + ["null"]  # keep a non-null default valid: null goes last
    if "default" not in f and _nullable_first(t):
        f["default"] = None
        st.changed = True
    f["type"] = t


def _widen_record(full, v, st):
    d = st.defs[full]
    attrs = _attrs(v, st)
    outer = st.where
    known = set()
    for f in d["fields"]:
        name = f["name"]
        known.add(name)
        st.where = "%s.%s" % (outer or d["name"], name)
        if name in attrs:
            _widen_field(f, attrs[name], st)
        elif "default" not in f:
            _widen_field(f, None, st)
    for name, x in attrs.items():
        if name in known:
            continue
        st.where = "%s.%s" % (outer or d["name"], name)
        _check_name(name, st)
        st.changed = True
        t = _infer(x, st)
        added = [f for f in d["fields"] if f["name"] == name]
        if added:  # added meanwhile by a value of this record type nested inside x
            _widen_field(added[0], x, st)
            continue
        if t != "null":
            t = _add_branch(t if isinstance(t, list) else [t], "null", st.defs)
        d["fields"].append({"name": name, "type": t, "default": None})
    st.where = outer


def _widen_in(t, v, st):
    """``t`` (not a union) already takes values of ``v``'s kind: widen inside it."""
    k = _kind(t, st.defs)
    if k == "int" and not _INT_MIN <= v <= _INT_MAX:
        st.changed = True
        return "long"
    if k == "long" and isinstance(v, int) and not _LONG_MIN <= v <= _LONG_MAX:
        raise ValueError("%s: int %d does not fit a 64-bit long" % (st.where or "value", v))
    if k == "array":
        items = t["items"]
        for x in v:
            items = _widen(items, x, st)
        return dict(t, items=items)
    if k == "map":
        values = t["values"]
        for key, x in v.items():
            if not isinstance(key, str):
                raise TypeError("%s: map keys must be strings, not %r" % (st.where or "value", key))
            values = _widen(values, x, st)
        return dict(t, values=values)
    if k == "record":
        _widen_record(t, v, st)
        return t
    if k == "enum":
        d = st.defs[t]
        if v not in d["symbols"]:
            if not _NAME_RE.match(v):
                raise TypeError("%s: %r cannot be added to enum %s" % (st.where or "value", v, t))
            d["symbols"] = list(d["symbols"]) + [v]
            st.changed = True
        return t
    if k == "fixed" and len(v) != st.defs[t]["size"]:
        raise TypeError("%s: %d bytes do not fit fixed %s" % (st.where or "value", len(v), t))
    if k == "json":
        _check_json(v, st)
    return t


def _fits(t, v, st):
    k = _kind(t, st.defs)
    if k == "int" and isinstance(v, int) and not isinstance(v, bool):
        return True  # widened to long by _widen_in when out of range
    if k == "enum":
        return isinstance(v, str)
    if k == "fixed":
        return isinstance(v, (bytes, bytearray))
    return k in _prefs(v, promote=False)


def _widen(t, v, st):
    """A type admitting the values ``t`` admits and ``v``; backward compatible with ``t``."""
    v = _unenum(v)
    if t is None:
        return _infer(v, st)
    if isinstance(t, list):
        i = _select(t, v, st.defs, promote=False)
        if i < 0:
            # an int branch too small for v: promote it to long
            kinds = [_kind(b, st.defs) for b in t]
            if isinstance(v, int) and not isinstance(v, bool) and "int" in kinds and "long" not in kinds:
                i = kinds.index("int")
            elif isinstance(v, str) and "enum" in kinds and "string" not in kinds:
                i = kinds.index("enum")
        if i >= 0:
            t = list(t)
            t[i] = _widen_in(t[i], v, st)
            return t
        st.changed = True
        return _add_branch(t, _infer(v, st), st.defs)
    if _fits(t, v, st):
        return _widen_in(t, v, st)
    st.changed = True
    return _add_branch([t], _infer(v, st), st.defs)


def _check_json(v, st):
    v = _unenum(v)
    if v is None or isinstance(v, (bool, float, str)):
        return
    if isinstance(v, int):
        if not _LONG_MIN <= v <= _LONG_MAX:
            raise ValueError("%s: int %d does not fit a 64-bit long" % (st.where or "value", v))
        return
    if isinstance(v, (list, tuple)):
        for x in v:
            _check_json(x, st)
        return
    if isinstance(v, collections.abc.Mapping):
        for k, x in v.items():
            if not isinstance(k, str):
                raise TypeError("%s: JSON object keys must be strings, not %r" % (st.where or "value", k))
            _check_json(x, st)
        return
    raise TypeError("%s: %r is not a JSON value" % (st.where or "value", v))


def from_values(name, obj_or_dict, previous_schema=None, *, exclude=(), namespace=None):
    """The Avro record schema of a plain object (``vars(obj)`` minus ``exclude``) or dict, widened compatibly
    from ``previous_schema`` when given; ``previous_schema`` itself when nothing changed. See the module doc."""
    if not (isinstance(obj_or_dict, collections.abc.Mapping) or _is_object(obj_or_dict)):
        raise TypeError("from_values needs an object with __dict__ or a dict, not %r" % (obj_or_dict,))
    if previous_schema is None:
        if namespace is None and not isinstance(obj_or_dict, collections.abc.Mapping):
            namespace = _module_ns(type(obj_or_dict))
        st = _State(ns=namespace, exclude=exclude)
        _check_name(name, st)
        top = _new_record(_full(name, namespace), obj_or_dict, st)
        _settle(top, obj_or_dict, st)
        return _implode(top, st.defs, set())
    st = _State(exclude=exclude)
    top = _explode(copy.deepcopy(previous_schema), None, st.defs)
    if _kind(top, st.defs) != "record":
        raise ValueError("previous_schema is not a record schema")
    st.ns, prev_name = _split(top)
    if name != prev_name and name != top:
        raise ValueError("previous_schema is record %s, not %s (a record cannot be renamed)" % (top, name))
    if not _settle(top, obj_or_dict, st):
        return previous_schema
    return _implode(top, st.defs, set())


def _settle(top, obj, st):
    """Widens record ``top`` with ``obj`` until a pass changes nothing (a record type met again inside a value
    can widen parts already passed); True if anything changed."""
    changed = False
    for _ in range(100):
        st.changed = False
        _widen_record(top, obj, st)
        if not st.changed:
            return changed
        changed = True
    raise AssertionError("schema widening did not settle")


# ---------------------------------------------------------------------------------------------------------------
# Codec

_COMPILED = collections.OrderedDict()


def _compile(schema):
    key = json.dumps(schema, sort_keys=True)
    hit = _COMPILED.get(key)
    if hit is not None:
        _COMPILED.move_to_end(key)
        return hit
    defs = {}
    tree = _explode(copy.deepcopy(schema), None, defs)
    _COMPILED[key] = (tree, defs)
    if len(_COMPILED) > 64:
        _COMPILED.popitem(last=False)
    return tree, defs


def _write_long(n, out):
    z = (n << 1) if n >= 0 else ((-n) << 1) - 1
    while z > 0x7F:
        out.append((z & 0x7F) | 0x80)
        z >>= 7
    out.append(z)


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _enc(t, v, defs, out, path):
    v = _unenum(v)
    if isinstance(t, list):
        if isinstance(v, int) and not isinstance(v, bool) and not _LONG_MIN <= v <= _LONG_MAX:
            raise ValueError("%s: int %d does not fit a 64-bit long" % (path, v))
        i = _select(t, v, defs, promote=True)
        if i < 0:
            raise TypeError("%s: %r fits no branch of union %s" % (path, v, t))
        _write_long(i, out)
        return _enc(t[i], v, defs, out, path)
    k = _kind(t, defs)
    if k == "null":
        if v is not None:
            raise TypeError("%s: expected None, got %r" % (path, v))
    elif k == "boolean":
        if not isinstance(v, bool):
            raise TypeError("%s: expected bool, got %r" % (path, v))
        out.append(1 if v else 0)
    elif k in ("int", "long"):
        if not isinstance(v, int) or isinstance(v, bool):
            raise TypeError("%s: expected int, got %r" % (path, v))
        lo, hi = (_INT_MIN, _INT_MAX) if k == "int" else (_LONG_MIN, _LONG_MAX)
        if not lo <= v <= hi:
            raise ValueError("%s: %d out of range for %s" % (path, v, k))
        _write_long(v, out)
    elif k in ("float", "double"):
        if not _is_num(v):
            raise TypeError("%s: expected a number, got %r" % (path, v))
        out += struct.pack("<f" if k == "float" else "<d", float(v))
    elif k == "string":
        if not isinstance(v, str):
            raise TypeError("%s: expected str, got %r" % (path, v))
        b = v.encode("utf-8")
        _write_long(len(b), out)
        out += b
    elif k == "bytes":
        if not isinstance(v, (bytes, bytearray, memoryview)):
            raise TypeError("%s: expected bytes, got %r" % (path, v))
        b = bytes(v)
        _write_long(len(b), out)
        out += b
    elif k == "fixed":
        if not isinstance(v, (bytes, bytearray, memoryview)) or len(v) != defs[t]["size"]:
            raise TypeError("%s: expected %d bytes, got %r" % (path, defs[t]["size"], v))
        out += bytes(v)
    elif k == "enum":
        symbols = defs[t]["symbols"]
        if v not in symbols:
            raise ValueError("%s: %r is not a symbol of %s" % (path, v, t))
        _write_long(symbols.index(v), out)
    elif k == "array":
        if not isinstance(v, (list, tuple)):
            raise TypeError("%s: expected a list, got %r" % (path, v))
        if v:
            _write_long(len(v), out)
            for i, x in enumerate(v):
                _enc(t["items"], x, defs, out, "%s[%d]" % (path, i))
        out.append(0)
    elif k == "map":
        if not isinstance(v, collections.abc.Mapping):
            raise TypeError("%s: expected a dict, got %r" % (path, v))
        if v:
            _write_long(len(v), out)
            for key, x in v.items():
                if not isinstance(key, str):
                    raise TypeError("%s: map keys must be strings, not %r" % (path, key))
                b = key.encode("utf-8")
                _write_long(len(b), out)
                out += b
                _enc(t["values"], x, defs, out, "%s.%s" % (path, key))
        out.append(0)
    elif k == "json":
        _enc(defs[JSON_VALUE]["fields"][0]["type"], v, defs, out, path)
    elif k == "record":
        is_map = isinstance(v, collections.abc.Mapping)
        if not is_map and not _is_object(v):
            raise TypeError("%s: expected a dict or an object for record %s, got %r" % (path, t, v))
        for f in defs[t]["fields"]:
            name = f["name"]
            x = v.get(name, _MISSING) if is_map else getattr(v, name, _MISSING)
            if x is _MISSING:
                if "default" not in f:
                    raise ValueError("%s: record %s needs field %r" % (path, t, name))
                x = _from_default(f["type"], f["default"], defs)
            _enc(f["type"], x, defs, out, "%s.%s" % (path, name) if path else name)
    else:
        raise ValueError("%s: unsupported Avro type %r" % (path, t))


def encode(schema, datum):
    """The Avro binary encoding of ``datum`` with ``schema`` (a schema dict, list or JSON string)."""
    if isinstance(schema, str) and schema.lstrip()[:1] in ("{", "[", '"'):
        schema = json.loads(schema)
    tree, defs = _compile(schema)
    out = bytearray()
    _enc(tree, datum, defs, out, "")
    return bytes(out)


class _Reader:
    __slots__ = ("b", "pos")

    def __init__(self, data):
        self.b = memoryview(bytes(data))
        self.pos = 0

    def take(self, n):
        if n < 0 or self.pos + n > len(self.b):
            raise ValueError("truncated Avro data at byte %d" % self.pos)
        out = self.b[self.pos:self.pos + n]
        self.pos += n
        return out

    def long(self):
        shift = z = 0
        while True:
            if self.pos >= len(self.b):
                raise ValueError("truncated varint at byte %d" % self.pos)
            c = self.b[self.pos]
            self.pos += 1
            z |= (c & 0x7F) << shift
            if not c & 0x80:
                break
            shift += 7
            if shift > 63:
                raise ValueError("varint too long at byte %d" % self.pos)
        return (z >> 1) ^ -(z & 1)


def _blocks(r):
    while True:
        n = r.long()
        if n == 0:
            return
        if n < 0:
            n = -n
            r.long()  # block size in bytes
        for _ in range(n):
            yield


def _dec(t, r, defs):
    if isinstance(t, list):
        i = r.long()
        if not 0 <= i < len(t):
            raise ValueError("union branch %d out of range at byte %d" % (i, r.pos))
        return _dec(t[i], r, defs)
    k = _kind(t, defs)
    if k == "null":
        return None
    if k == "boolean":
        b = r.take(1)[0]
        if b > 1:
            raise ValueError("invalid boolean byte %d" % b)
        return b == 1
    if k in ("int", "long"):
        return r.long()
    if k == "float":
        return struct.unpack("<f", r.take(4))[0]
    if k == "double":
        return struct.unpack("<d", r.take(8))[0]
    if k == "string":
        return bytes(r.take(r.long())).decode("utf-8")
    if k == "bytes":
        return bytes(r.take(r.long()))
    if k == "fixed":
        return bytes(r.take(defs[t]["size"]))
    if k == "enum":
        return defs[t]["symbols"][r.long()]
    if k == "array":
        return [_dec(t["items"], r, defs) for _ in _blocks(r)]
    if k == "map":
        out = {}
        for _ in _blocks(r):
            key = bytes(r.take(r.long())).decode("utf-8")
            out[key] = _dec(t["values"], r, defs)
        return out
    if k == "json":
        return _dec(defs[JSON_VALUE]["fields"][0]["type"], r, defs)
    if k == "record":
        return {f["name"]: _dec(f["type"], r, defs) for f in defs[t]["fields"]}
    raise ValueError("unsupported Avro type %r" % (t,))


def decode(schema, data):
    """The value Avro binary ``data`` written with ``schema`` holds (all of ``data`` must be consumed)."""
    if isinstance(schema, str) and schema.lstrip()[:1] in ("{", "[", '"'):
        schema = json.loads(schema)
    tree, defs = _compile(schema)
    r = _Reader(data)
    value = _dec(tree, r, defs)
    if r.pos != len(r.b):
        raise ValueError("%d trailing bytes after the Avro value" % (len(r.b) - r.pos))
    return value


def frame(schema_id, body):
    """Confluent wire format: magic byte 0, the schema id as 4 bytes big-endian, then ``body``."""
    if not 0 <= int(schema_id) <= 0xFFFFFFFF:
        raise ValueError("schema id %r out of range" % (schema_id,))
    return b"\x00" + struct.pack(">I", int(schema_id)) + bytes(body)


def unframe(data):
    """``(schema_id, body)`` of Confluent-framed ``data``."""
    data = bytes(data)
    if len(data) < 5 or data[0] != 0:
        raise ValueError("not Confluent-framed data (magic byte 0 and a 4-byte schema id expected)")
    return struct.unpack(">I", data[1:5])[0], data[5:]
