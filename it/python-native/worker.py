#!/usr/bin/python3
"""A native simsnap worker written from PROTOCOL.md (sections 1-5 and 5.1) alone.

Confluent's Python producer and schema registry client (Debian python3-confluent-kafka) send the records; Apache
Avro's Python library (Debian python3-avro) encodes them, framed per PROTOCOL.md section 4 (Confluent's Python
AvroSerializer needs fastavro, which Debian lacks). It knows nothing of simsnap's Java code.

Usage: worker.py REQUEST.json  -> prints one JSON object on stdout.

REQUEST: {"bootstrap", "registry", "avro_dir" (simsnap's envelope .avsc files), "kind_dir" (a kind descriptor and
its .avsc files), "run", "workers": [ids], "steps": [{"worker", "clock": {..}, "changes": [change, ..],
"abort_first"?: bool}]} where change is {"collection", "op": "upsert"|"patch"|"append"|"delete", "id"?, "item"?,
"set"?: {path: value}, "path"?, "items"?}. Steps run in the order given; a step with "abort_first" is first sent
and aborted, then sent again and committed.

RESULT: {"committed": [{"worker", "step", "digest"}], "aborted": n, "state": {collection: {entity id: item}}}
where "state" is this worker's own reference of what the run holds after the last step (plain dict operations).
"""
import hashlib
import io
import json
import os
import struct
import sys
import time

import avro.io
import avro.schema
from confluent_kafka import Producer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient

DELTAS = "simsnap.deltas"


def load_avsc(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def parse(schema_json):
    return avro.schema.parse(json.dumps(schema_json))


def avro_bytes(schema, value):
    buf = io.BytesIO()
    avro.io.DatumWriter(schema).write(value, avro.io.BinaryEncoder(buf))
    return buf.getvalue()


def framed(schema_id, body):
    return b"\x00" + struct.pack(">i", schema_id) + body


def step_into(schema, segment):
    """The schema reached by one path segment (section 5.1): a record field or a map value, through unions."""
    candidates = [schema]
    if isinstance(schema, avro.schema.UnionSchema):
        candidates = [s for s in schema.schemas if s.type != "null"]
    fits = []
    for s in candidates:
        if s.type == "record" and s.fields_dict.get(segment) is not None:
            fits.append(s.fields_dict[segment].type)
        elif s.type == "map":
            fits.append(s.values)
    if len(fits) != 1:
        raise ValueError("path segment %r does not resolve in %s" % (segment, schema))
    return fits[0]


def path_schema(schema, path):
    for segment in path.split("."):
        schema = step_into(schema, segment)
    return schema


def array_schema(schema):
    if schema.type == "array":
        return schema
    arrays = [s for s in getattr(schema, "schemas", []) if s.type == "array"]
    if len(arrays) != 1:
        raise ValueError("not an array: %s" % schema)
    return arrays[0]


class Registry:
    """The kind's subjects, set up as section 5.1 says, and the envelope schemas (section 4)."""

    def __init__(self, url, avro_dir, kind_dir):
        self.client = SchemaRegistryClient({"url": url})
        with open(os.path.join(kind_dir, "kind.json"), encoding="utf-8") as f:
            self.descriptor = json.load(f)
        self.kind = self.descriptor["kind"]
        level = self.descriptor.get("compatibility", "BACKWARD_TRANSITIVE")
        self.collections = {}
        model = dict(self.descriptor)
        model["collections"] = []
        for c in self.descriptor["collections"]:
            subject = "simsnap.kind.%s.%s" % (self.kind, c["name"])
            self.client.set_compatibility(subject, c.get("compatibility", level))
            versions = [load_avsc(os.path.join(kind_dir, p)) for p in c["schemas"]]
            latest_id = None
            for v in versions:
                latest_id = self.client.register_schema(subject, Schema(json.dumps(v), "AVRO"))
            self.collections[c["name"]] = {"spec": c, "schema": parse(versions[-1]), "id": latest_id}
            inline = dict(c)
            inline["schemas"] = versions
            model["collections"].append(inline)
        self.model_json = json.dumps(model, separators=(",", ":"))
        self.envelope = {}
        for name, full in [("RunStarted", "dev.simsnap.schema.run.RunStarted"),
                           ("StateDelta", "dev.simsnap.schema.delta.StateDelta"),
                           ("IterationCommitted", "dev.simsnap.schema.run.IterationCommitted")]:
            js = load_avsc(os.path.join(avro_dir, name + ".avsc"))
            sid = self.client.register_schema("%s-%s" % (DELTAS, full), Schema(json.dumps(js), "AVRO"))
            self.envelope[name] = (parse(js), sid)

    def record(self, name, value):
        schema, sid = self.envelope[name]
        return framed(sid, avro_bytes(schema, value))


def entity_id(spec, item, change):
    if "id" in change:
        return str(change["id"])
    if spec["shape"] == "singleton":
        return ""
    return "/".join(str(item[k]) for k in spec["key"])


def encode_change(reg, change):
    """(collection, entity id, op, patch_fields, framed item or None) for one change (section 5.1)."""
    coll = reg.collections[change["collection"]]
    spec, schema, sid = coll["spec"], coll["schema"], coll["id"]
    op = change["op"]
    if op == "upsert":
        item = change["item"]
        return change["collection"], entity_id(spec, item, change), "UPSERT", [], framed(sid, avro_bytes(schema, item))
    if op == "patch":
        paths = list(change["set"].keys())
        body = b"".join(avro_bytes(path_schema(schema, p), change["set"][p]) for p in paths)
        return change["collection"], str(change["id"]), "PATCH", paths, framed(sid, body)
    if op == "append":
        arr = array_schema(path_schema(schema, change["path"]))
        return (change["collection"], str(change["id"]), "APPEND", [change["path"]],
                framed(sid, avro_bytes(arr, change["items"])))
    if op == "delete":
        return change["collection"], str(change["id"]), "DELETE", [], None
    raise ValueError("unknown op " + op)


def digest(changes, clock):
    """IterationCommitted.content_digest, section 5.1."""
    sha = hashlib.sha256()
    for collection, eid, op, fields, item in changes:
        for text in [collection, eid, op] + fields:
            sha.update(text.encode("utf-8") + b"\x00")
        sha.update(b"\x01" + struct.pack(">i", -1 if item is None else len(item)))
        if item is not None:
            sha.update(item)
    sha.update(b"\x02")
    for name in sorted(clock):
        sha.update(name.encode("utf-8") + b"\x00" + struct.pack(">q", clock[name]))
    return sha.digest()


def reference_apply(state, reg, change):
    """The worker's own idea of the result: plain dict operations, no simsnap code."""
    spec = reg.collections[change["collection"]]["spec"]
    coll = state.setdefault(change["collection"], {})
    op = change["op"]
    if op == "upsert":
        coll[entity_id(spec, change["item"], change)] = json.loads(json.dumps(change["item"]))
    elif op == "patch":
        target = coll[str(change["id"])]
        for path, value in change["set"].items():
            *parents, last = path.split(".")
            node = target
            for p in parents:
                node = node[p]
            node[last] = value
    elif op == "append":
        node = coll[str(change["id"])]
        for p in change["path"].split("."):
            node = node[p]
        node.extend(change["items"])
    elif op == "delete":
        del coll[str(change["id"])]


class Worker:
    def __init__(self, bootstrap, run, worker):
        self.run, self.worker = run, worker
        self.producer = Producer({
            "bootstrap.servers": bootstrap,
            "transactional.id": "simsnap-%s-%s" % (run, worker),
            "enable.idempotence": True,
            "acks": "all",
            # PROTOCOL.md section 2: Kafka's Java default partitioner (murmur2 of the key); librdkafka's default
            # (consistent_random, CRC32) would put the run's history on another partition.
            "partitioner": "murmur2_random",
        })
        self.producer.init_transactions(30)
        self.sequence = 0
        self.last_sequence = -1
        self.step = 0

    def send(self, value):
        self.producer.produce(DELTAS, key=self.run.encode("utf-8"), value=value)

    def transaction(self, values, commit):
        self.producer.begin_transaction()
        for v in values:
            self.send(v)
        if commit:
            self.producer.commit_transaction(30)
        else:
            self.producer.flush(30)
            self.producer.abort_transaction(30)

    def step_records(self, reg, encoded, clock):
        records = []
        seq = self.sequence
        for collection, eid, op, fields, item in encoded:
            records.append(reg.record("StateDelta", {
                "run_id": self.run, "worker_id": self.worker, "sequence": seq, "iteration": self.step,
                "virtual_date": 0, "entity_type": None, "entity_id": eid, "collection": collection, "op": op,
                "patch_fields": fields, "payload": None, "item": item}))
            seq += 1
        last = seq - 1 if encoded else self.last_sequence
        records.append(reg.record("IterationCommitted", {
            "run_id": self.run, "worker_id": self.worker, "iteration": self.step, "virtual_date": 0,
            "delta_count": len(encoded), "last_sequence": last, "clock": clock,
            "content_digest": digest(encoded, clock)}))
        return records, seq, last


def main(request_path):
    with open(request_path, encoding="utf-8") as f:
        req = json.load(f)
    reg = Registry(req["registry"], req["avro_dir"], req["kind_dir"])
    run = req["run"]
    workers = {w: Worker(req["bootstrap"], run, w) for w in req["workers"]}
    first = workers[req["workers"][0]]
    first.transaction([reg.record("RunStarted", {
        "run_id": run, "kind": reg.kind, "expected_workers": sorted(req["workers"]), "config": {},
        "random_seed": 0, "started_at_ms": int(time.time() * 1000), "forked_from": None,
        "model": reg.model_json})], True)
    state = {c: {} for c in reg.collections}
    committed, aborted = [], 0
    for s in req["steps"]:
        w = workers[s["worker"]]
        encoded = [encode_change(reg, c) for c in s["changes"]]
        records, next_seq, last = w.step_records(reg, encoded, s["clock"])
        if s.get("abort_first"):
            w.transaction(records, False)  # aborted: read_committed readers never see it; resend reuses sequences
            aborted += 1
        w.transaction(records, True)
        committed.append({"worker": w.worker, "step": w.step, "digest": digest(encoded, s["clock"]).hex()})
        w.sequence, w.last_sequence, w.step = next_seq, last, w.step + 1
        for c in s["changes"]:
            reference_apply(state, reg, c)
    json.dump({"committed": committed, "aborted": aborted, "state": state}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
