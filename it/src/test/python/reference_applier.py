#!/usr/bin/env python3
"""Reference applier: the snapshot folder a scripted simsnap run must produce, computed without simsnap.

Standard library only, and nothing from the product: it re-states the seeds' objects (field order and number types
of each record the built-in kinds keep), applies a script's steps at the consistent cut the protocol defines, and
writes each file the way the seed simulation writes it -- `json.dumps(obj, indent=4)` for the trading arena,
`json.dump(population, f, indent=2)` for snackPersona, Python's own sqlite3 for `data.db`.

    reference_applier.py apply SCRIPT OUT_DIR [--as-of STEP]   write the folder (live: the consistent step)
    reference_applier.py dump-sqlite DB                        print a SQLite file's tables and rows as text

A script (JSON) is what the test publishes: {"kind", "workers": {id: "gateway" | "library"}, "publish": [...]}.
A `publish` entry is a step {"worker", "step", "clock", "changes": [...]} whose changes are the gateway's change
objects (PROTOCOL.md 6.1), or a generation {"worker", "generation", "collection", "shape", "members": [...]}.

The rules applied here, each as the protocol or the seed states it:
- a step is applied once every expected worker has committed it; applied steps go in (step, worker id, change
  order) order, whatever order they were published in;
- keyed collections keep the seed's list order: an item is placed when it is inserted, a deleted item leaves its
  place and comes back at the end (Python list/dict semantics); rows are kept by row id;
- upsert replaces the item; patch sets dotted paths (a record field keeps its place, a new map key goes last);
  append extends the array at a path; delete removes;
- JSON numbers keep Python's int/float distinction where the field is a union of int and float, and become floats
  where the field is a float; record fields render in the record's declared order, maps in insertion order;
- a generation saved again replaces the earlier save.
"""
import json
import os
import sqlite3
import sys

# ---- the seeds' records: field -> type, in the order the objects set them --------------------------------------
# Types: 'long', 'double', 'num' (int or float, kept as given), 'str', 'bool', 'value' (any JSON, as given),
# 'opt:<t>' (None or <t>), 'list:<t>', 'map:<t>', 'row' (a SQLite value: None, int, float or str).
ANY = 'opt:any'

ARENA = {
    'information': [('Information', [('virtual_date', 'long'), ('iteration', 'long')])],
    'persons': [
        ('Person', [('person_id', 'long'), ('identity', 'map:value'), ('income', 'str'), ('cash', 'num'),
                    ('asset', 'num'), ('wealth', 'num'), ('principle', 'str'), ('minimum_living_expense', 'num'),
                    ('daily_expense', 'num'), ('reflect_frequency', 'num')]),
        ('Broker', [('person_id', 'long'), ('cash', 'num'), ('asset', 'num'), ('wealth', 'num'),
                    ('total_expense', 'num'), ('inventories', 'list:long'), ('dividends', 'list:double')]),
    ],
    'stocks': [('Stock', [('stock_id', 'long'), ('stock_name', 'str'), ('quantity', 'long'),
                          ('current_price', 'double'), ('book_value', 'double'), ('DPS', 'long'), ('Name', 'str'),
                          ('intraday_price_list', 'list:double')])],
    'stock_inputs': [('StockInput', [('stock_id', 'long'), ('entry', 'map:value')])],
    'market_index': [('Market_index', [('Name', 'str'), ('stock_id', 'long'), ('stock_proportion', 'list:double'),
                                       ('first_day', ANY)])],
    'market': [('Market', [('_bid_step', 'num'), ('today_index', 'opt:num')])],
}

# The seed's six tables, in the order the kind lists them, with the DDL the seed creates them with.
TABLES = [
    ('db_active_orders', 'active_orders',
     'CREATE TABLE active_orders (timestamp INTEGER NOT NULL, virtual_date INTEGER, weekday INTEGER, '
     'iteration INTEGER, stock_id INTEGER, person_id INTEGER, type TEXT, price NUMERIC, quantity INTEGER, '
     'status TEXT)'),
    ('db_stock', 'stock',
     'CREATE TABLE stock (stock_id INTEGER NOT NULL, virtual_date INTEGER, weekday INTEGER, volume NUMERIC, '
     'quantity INTEGER, last_price NUMERIC, begin_price NUMERIC, highest_price NUMERIC, lowest_price NUMERIC)'),
    ('db_person', 'person',
     'CREATE TABLE person (person_id INTEGER, virtual_date INTEGER, cash NUMERIC, asset NUMERIC, wealth NUMERIC, '
     'work_income NUMERIC, capital_gain NUMERIC, daily_expense NUMERIC, principle TEXT)'),
    ('db_account', 'account',
     'CREATE TABLE account (person_id INTEGER, stock_id INTEGER, virtual_date INTEGER, weekday INTEGER, '
     'quantity INTEGER, cost_price NUMERIC, current_price NUMERIC, profit NUMERIC, start_date INTEGER)'),
    ('db_memory', 'memory',
     'CREATE TABLE memory (person_id INTEGER, virtual_date INTEGER, iteration INTEGER, stock_operations TEXT, '
     'strategy TEXT, type TEXT, gossip TEXT, analysis_for_stocks TEXT, analysis_for_strategy TEXT, '
     'stock_prices TEXT, market_change TEXT, financial_situation TEXT)'),
    ('db_gossip', 'gossip', 'CREATE TABLE gossip (person_id INTEGER, virtual_date INTEGER, gossip TEXT)'),
]


def columns(ddl):
    """Column names of a CREATE TABLE statement of the simple form above."""
    inner = ddl[ddl.index('(') + 1:ddl.rindex(')')]
    return [part.strip().split()[0] for part in inner.split(',')]


for _collection, _table, _ddl in TABLES:
    ARENA[_collection] = [('table_' + _table, [(c, 'row') for c in columns(_ddl)])]

GENOTYPES = {
    'v1': [('name', 'str'), ('age', 'long'), ('occupation', 'str'), ('backstory', 'str'),
           ('core_values', 'list:str'), ('hobbies', 'list:str'), ('personality_traits', 'map:double'),
           ('communication_style', 'str'), ('topical_focus', 'str'), ('interaction_policy', 'str'),
           ('goals', 'list:str')],
    'v2': [('name', 'str'), ('attributes', 'map:value')],
    'v2b': [('name', 'str'), ('description', 'str')],
    'v3': [('name', 'str'), ('bio', 'str')],
    'v4': [('name', 'str'), ('bio', 'str'), ('island_id', 'opt:str')],
}
TRANSCRIPT = [('turns', 'list:map:value')]

ARENA_KEYS = {'persons': 'person_id', 'stocks': 'stock_id', 'stock_inputs': 'stock_id'}
ARENA_SINGLETONS = ('information', 'market_index', 'market')


# ---- values -------------------------------------------------------------------------------------------------------

def coerce(t, v, where):
    """A JSON value as the field type keeps it."""
    if t.startswith('opt:'):
        return None if v is None else coerce(t[4:], v, where)
    if t == 'any':
        return v
    if t.startswith('list:'):
        if not isinstance(v, list):
            raise ValueError(where + ': expected a list')
        return [coerce(t[5:], x, '%s[%d]' % (where, i)) for i, x in enumerate(v)]
    if t.startswith('map:'):
        if not isinstance(v, dict):
            raise ValueError(where + ': expected an object')
        return {k: coerce(t[4:], x, where + '.' + k) for k, x in v.items()}
    if t == 'double':
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(where + ': expected a number')
        return float(v)
    if t == 'long':
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(where + ': expected an integer')
        return v
    if t == 'num':
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(where + ': expected a number')
        return v
    if t == 'str':
        if not isinstance(v, str):
            raise ValueError(where + ': expected a string')
        return v
    if t in ('value', 'row'):
        return v
    raise ValueError('unknown type ' + t)


def record(fields, item, where):
    """The item with the record's fields in declared order; a missing optional field is None."""
    unknown = [k for k in item if k not in dict(fields)]
    if unknown:
        raise ValueError('%s: unknown fields %s' % (where, unknown))
    out = {}
    for name, t in fields:
        if name in item:
            out[name] = coerce(t, item[name], where + '.' + name)
        elif t.startswith('opt:') or t == 'row':
            out[name] = None
        else:
            raise ValueError('%s: missing field %s' % (where, name))
    return out


def branch(variants, item):
    """The first record whose fields take every key of the item (the union branch the gateway picks)."""
    for name, fields in variants:
        if set(item) <= set(f for f, _ in fields):
            return name, fields
    raise ValueError('no record takes keys %s' % sorted(item))


def type_at(fields, path):
    """The type at a dotted path: a record field, then map keys."""
    parts = path.split('.')
    t = dict(fields)[parts[0]]
    for _ in parts[1:]:
        if not t.startswith('map:'):
            raise ValueError('path %s does not go through a map' % path)
        t = t[4:]
    return t


def set_path(item, path, value):
    parts = path.split('.')
    target = item
    for p in parts[:-1]:
        target = target[p]
    target[parts[-1]] = value  # an existing key keeps its place; a new map key goes last


def get_path(item, path):
    for p in path.split('.'):
        item = item[p]
    return item


# ---- the trading arena ----------------------------------------------------------------------------------------------

class Arena:
    def __init__(self):
        self.items = {name: {} for name in ARENA}  # collection -> entity id -> (record fields, item)

    def apply(self, change):
        c = change['collection']
        op = change['op']
        items = self.items[c]
        variants = ARENA[c]
        if op in ('upsert', 'insert'):
            raw = change['item'] if op == 'upsert' else change['row']
            name, fields = branch(variants, raw)
            item = record(fields, raw, c)
            if op == 'insert':
                eid = str(change['row_id'])
            elif c in ARENA_SINGLETONS:
                eid = ''
            else:
                eid = str(item[ARENA_KEYS[c]])
            items[eid] = (fields, item)  # a replaced item keeps its place (it was never deleted)
        elif op in ('patch', 'update'):
            eid = str(change['row_id']) if op == 'update' else str(change.get('id', ''))
            fields, item = items[eid]
            for path, value in change['set'].items():
                set_path(item, path, coerce(type_at(fields, path), value, path))
        elif op == 'append':
            fields, item = items[str(change.get('id', ''))]
            path = change['path']
            element = type_at(fields, path)[len('list:'):]
            get_path(item, path).extend(coerce(element, x, path) for x in change['items'])
        elif op == 'delete':
            eid = str(change['row_id']) if 'row_id' in change else str(change.get('id', ''))
            del items[eid]
        else:
            raise ValueError('unknown op ' + op)

    def values(self, collection):
        return [item for _fields, item in self.items[collection].values()]

    def write(self, out):
        """The folder as the seed's save_all lays it out (pickles shown as JSON), each file as json.dumps writes."""
        files = {}
        if self.items['information']:
            # The seed: json.dumps(information, indent=4), written without a trailing newline.
            files['information.json'] = json.dumps(self.values('information')[0], indent=4)
        persons = self.values('persons')
        if persons:
            files['persona.json'] = json.dumps([p['identity'] for p in persons if 'identity' in p], indent=4)
            for i, p in enumerate(persons):  # the broker, appended last, is PERSON_<Num_Person>
                files['classes/PERSON_%d.json' % i] = json.dumps(p, indent=4)
        if self.items['stock_inputs']:
            files['stocks.json'] = json.dumps([s['entry'] for s in self.values('stock_inputs')], indent=4)
        for i, s in enumerate(self.values('stocks')):
            files['classes/STOCK_%d.json' % i] = json.dumps(s, indent=4)
        if self.items['market_index']:
            files['classes/Market_index.json'] = json.dumps(self.values('market_index')[0], indent=4)
        if self.items['market']:
            files['classes/MARKET.json'] = json.dumps(self.values('market')[0], indent=4)
        for path, text in files.items():
            write_bytes(out, path, text.encode('ascii'))
        db = os.path.join(out, 'data.db')
        conn = sqlite3.connect(db)
        for collection, table, ddl in TABLES:
            conn.execute(ddl)
            cols = columns(ddl)
            for row_id in sorted(self.items[collection], key=int):
                row = self.items[collection][row_id][1]
                conn.execute('INSERT INTO %s (rowid, %s) VALUES (?, %s)' % (table, ', '.join(cols),
                             ', '.join('?' for _ in cols)), [int(row_id)] + [row[c] for c in cols])
        conn.commit()
        conn.close()


# ---- snackPersona -------------------------------------------------------------------------------------------------

class Evolution:
    def __init__(self):
        self.population = {}   # generation -> members (dicts, as model_dump() gives them)
        self.transcripts = {}  # generation -> list of turn lists

    def save(self, entry):
        g = entry['generation']
        if entry['collection'] == 'population':
            fields = GENOTYPES[entry['shape']]
            self.population[g] = [record(fields, m, 'members[%d]' % i) for i, m in enumerate(entry['members'])]
        elif entry['collection'] == 'transcripts':
            self.transcripts[g] = [record(TRANSCRIPT, m, 'members[%d]' % i)['turns']
                                   for i, m in enumerate(entry['members'])]
        else:
            raise ValueError('unknown collection ' + entry['collection'])

    def write(self, out):
        os.makedirs(os.path.join(out, 'persona_data'), exist_ok=True)
        for g, members in self.population.items():
            # The seed's PersonaStore.save_generation: json.dump([p.model_dump() for p in population], f, indent=2)
            with open(os.path.join(out, 'persona_data', 'gen_%d.json' % g), 'w') as f:
                json.dump(members, f, indent=2)
        for g, transcripts in self.transcripts.items():
            # save_transcripts: the same call on the list of lists of message dicts.
            with open(os.path.join(out, 'persona_data', 'transcripts_gen_%d.json' % g), 'w') as f:
                json.dump(transcripts, f, indent=2)


# ---- the run ------------------------------------------------------------------------------------------------------

def write_bytes(out, path, data):
    target = os.path.join(out, *path.split('/'))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, 'wb') as f:
        f.write(data)


def consistent_step(script):
    """The highest step every expected worker has committed (-1 if one has committed none)."""
    last = {w: -1 for w in script['workers']}
    for entry in script['publish']:
        if 'step' in entry:
            if entry['step'] != last[entry['worker']] + 1:
                raise ValueError('worker %s: step %d is not the next one' % (entry['worker'], entry['step']))
            last[entry['worker']] = entry['step']
    return min(last.values())


def apply(script, out, as_of=None):
    cut = consistent_step(script)
    if as_of is not None:
        if as_of > cut:
            raise ValueError('step %d was never consistent (consistent: %d)' % (as_of, cut))
        cut = as_of
    kind = script['kind']
    if kind == 'trading-arena':
        state = Arena()
    elif kind == 'persona-evolution':
        state = Evolution()
    else:
        raise ValueError('unknown kind ' + kind)
    steps = [e for e in script['publish'] if 'step' in e and e['step'] <= cut]
    steps.sort(key=lambda e: (e['step'], e['worker']))  # stable: a step's changes keep their order
    for entry in steps:
        for change in entry['changes']:
            state.apply(change)
    if as_of is None:  # as-of folders hold no generations (they are not step-indexed)
        for entry in script['publish']:
            if 'generation' in entry:
                state.save(entry)
    os.makedirs(out, exist_ok=True)
    state.write(out)


def dump_sqlite(path):
    """Every table's DDL and rows (rowid, then the values as Python reads them: int, float, str, bytes or None)."""
    conn = sqlite3.connect(path)
    lines = []
    for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid"):
        lines.append(sql)
        for row in conn.execute('SELECT rowid, * FROM "%s" ORDER BY rowid' % name):
            lines.append('%d %r' % (row[0], row[1:]))
    conn.close()
    return '\n'.join(lines) + '\n'


def main(argv):
    if len(argv) >= 3 and argv[0] == 'apply':
        with open(argv[1], encoding='utf-8') as f:
            script = json.load(f)
        as_of = int(argv[4]) if len(argv) == 5 and argv[3] == '--as-of' else None
        apply(script, argv[2], as_of)
        return 0
    if len(argv) == 2 and argv[0] == 'dump-sqlite':
        sys.stdout.write(dump_sqlite(argv[1]))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
