"""snackPersona's evolution loop on simsnap v2 against the real stack: six generations walking through the
genotype versions, transcripts every generation, a resumed engine re-saving generation 0, two stores sharing a run.
"""

import json
import os
import random
import shutil
import tempfile
import uuid

from simsnap import PersonaStore  # the seed's one-line switch
from simsnap._v2 import StateRun
from tests.stack import StackTestCase, needs_pydantic


def transcripts_for(gen, n, rng):
    return [[{"role": "user", "content": "hi %d/%d \u00e9" % (gen, i)},
             {"role": "assistant", "content": "reply", "score": round(rng.random(), 6), "turn": 1,
              "meta": {"ok": True, "tags": [], "none": None}}] for i in range(n)]


class PersonaStoreTest(StackTestCase):

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix="simsnap-persona-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def storage(self, prefix):
        return os.path.join(self.tmp, "%s-%s" % (prefix, uuid.uuid4().hex[:8]))

    @needs_pydantic
    def test_evolution_through_the_genotype_versions(self):
        from tests import genotypes as g
        rng = random.Random(42)

        def population(version, gen):
            out = []
            for i in range(3 + gen % 2):
                name = "P%d-%d Zo\u00eb" % (gen, i)
                if version is g.v1:
                    out.append(g.v1.PersonaGenotype(
                        name=name, age=18 + rng.randrange(60), occupation="artist", backstory="b \u2603",
                        core_values=["creativity", "kindness"][: rng.randint(0, 2)], hobbies=["chess"],
                        personality_traits={"openness": 0.1 + 0.2, "grit": 1.0}, communication_style="plain",
                        topical_focus="art", interaction_policy="kind", goals=[]))
                elif version is g.v2:
                    out.append(g.v2.PersonaGenotype(name=name, attributes={
                        "age": 30, "height": 1.75, "likes": ["tea", 3, None], "nested": {"a": {"b": False}}}))
                elif version is g.v2b:
                    out.append(g.v2b.PersonaGenotype(name=name, description="line1\nline2 \"q\""))
                elif version is g.v3:
                    out.append(g.v3.PersonaGenotype(name=name, bio="bio %d" % rng.randrange(1000)))
                else:
                    out.append(g.v4.PersonaGenotype(name=name, bio="island bio",
                                                    island_id=None if i % 2 else "isle-%d" % i))
            return out

        storage_dir = self.storage("persona_data")
        store = PersonaStore(storage_dir=storage_dir)
        self.assertEqual(store.storage_dir, storage_dir)
        saved, transcripts = {}, {}
        for gen, version in enumerate([g.v1, g.v2, g.v2b, g.v3, g.v4, g.v3]):
            saved[gen] = population(version, gen)
            transcripts[gen] = transcripts_for(gen, len(saved[gen]), rng)
            self.assertEqual(store.save_generation(gen, saved[gen])["status"], "committed")
            store.save_transcripts(gen, transcripts[gen])
        self.assertEqual(store.list_generations(), list(range(6)))
        for gen in range(6):
            loaded = store.load_generation(gen)
            self.assertEqual([type(p) for p in loaded], [type(p) for p in saved[gen]])
            self.assertEqual(loaded, saved[gen])
            self.assertEqual([vars(p) for p in loaded], [vars(p) for p in saved[gen]])
        self.assertEqual(store.load_generation(99), [])

        # the engine resumed from generation 0 (another process, the current model) saves generation 0 again
        resumed = PersonaStore(storage_dir=storage_dir)
        saved[0] = population(g.v3, 0)
        resumed.save_generation(0, saved[0])
        resumed.save_transcripts(0, transcripts[0][:1])
        transcripts[0] = transcripts[0][:1]
        self.assertEqual(resumed.load_generation(0), saved[0])
        self.assertIs(type(resumed.load_generation(0)[0]), g.v3.PersonaGenotype)
        fresh = PersonaStore(storage_dir=storage_dir)  # a third process: classes from the store's record
        for gen in range(6):
            self.assertEqual(fresh.load_generation(gen), saved[gen])
        self.assertEqual(fresh.load_generation(3, factory=dict), [p.model_dump() for p in saved[3]])

        # the snapshot's files are byte-identical to the seed's own writer
        files = StateRun(store.run, "persona-evolution").snapshot_files()
        for gen in range(6):
            self.assertEqual(files["persona_data/gen_%d.json" % gen],
                             json.dumps([p.model_dump() for p in saved[gen]], indent=2).encode("ascii"),
                             "gen_%d.json" % gen)
            self.assertEqual(files["persona_data/transcripts_gen_%d.json" % gen],
                             json.dumps(transcripts[gen], indent=2).encode("ascii"),
                             "transcripts_gen_%d.json" % gen)
        self.assertEqual(fresh.load_transcripts(4), transcripts[4])

    def test_transcripts_and_missing_generations_without_pydantic(self):
        store = PersonaStore(storage_dir=self.storage("persona_plain"))
        self.assertEqual(store.list_generations(), [])
        self.assertEqual(store.load_generation(0), [])
        rng = random.Random(1)
        t = transcripts_for(0, 2, rng)
        store.save_transcripts(0, t)
        self.assertEqual(store.load_transcripts(0), t)
        self.assertEqual(store.list_generations(), [])

    @needs_pydantic
    def test_two_processes_share_one_store(self):
        import subprocess
        import sys
        storage_dir = self.storage("shared")
        code = ("import sys; from simsnap import PersonaStore; from tests.genotypes import v3\n"
                "store = PersonaStore(storage_dir=sys.argv[1])\n"
                "for g in range(int(sys.argv[2]), 8, 2):\n"
                "    store.save_generation(g, [v3.PersonaGenotype(name='n%d' % g, bio='b')])\n")
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        procs = [subprocess.Popen([sys.executable, "-c", code, storage_dir, str(k)], cwd=root) for k in (0, 1)]
        self.assertEqual([p.wait(timeout=120) for p in procs], [0, 0])
        store = PersonaStore(storage_dir=storage_dir)
        from tests.genotypes import v3
        import time
        deadline = time.monotonic() + 30
        while store.list_generations() != list(range(8)) and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual(store.list_generations(), list(range(8)))
        for gen in range(8):
            self.assertEqual(store.load_generation(gen), [v3.PersonaGenotype(name="n%d" % gen, bio="b")])
