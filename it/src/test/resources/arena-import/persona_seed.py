"""A snackPersona persona_data folder as the seed's file store writes it (no simsnap code):

    python3 persona_seed.py OUT

writes OUT/persona_data/gen_<N>.json with ``json.dump([p.model_dump() for p in population], f, indent=2)`` for a run
whose genotype changed shape (gen 0: v1, gen 1: v2 with free-form attributes, gen 2: v3), and
transcripts_gen_0.json with ``json.dump(transcripts, f, indent=2)``. The files' bytes are what an imported run's
snapshot must give back.
"""

import json
import os
import sys

V1 = [{"name": "Ana", "age": 34, "occupation": "teacher", "backstory": "grew up by the sea",
       "core_values": ["honesty", "curiosity"], "hobbies": ["sailing"], "personality_traits": {"openness": 0.8,
       "neuroticism": 0.1}, "communication_style": "warm", "topical_focus": "education",
       "interaction_policy": "reply to questions", "goals": ["teach", "learn"]},
      {"name": "Zo\u00eb", "age": 51, "occupation": "pilot", "backstory": "", "core_values": [], "hobbies": [],
       "personality_traits": {}, "communication_style": "terse", "topical_focus": "aviation",
       "interaction_policy": "post daily", "goals": []}]
V2 = [{"name": "\u674e\u96f7", "attributes": {"mood": "calm", "followers": 120, "score": 0.5, "tags": ["a", 1, None],
                                               "nested": {"k": True}}}]
V3 = [{"name": "Ana", "bio": "Teacher. Sails."}, {"name": "Bo", "bio": ""}]
TRANSCRIPTS = [[{"role": "user", "content": "hi", "turn": 1}, {"role": "assistant", "content": "hello", "turn": 2}],
               []]


def main(out):
    d = os.path.join(out, "persona_data")
    os.makedirs(d)
    for n, population in enumerate((V1, V2, V3)):
        with open(os.path.join(d, "gen_%d.json" % n), "w") as f:
            json.dump(population, f, indent=2)
    with open(os.path.join(d, "transcripts_gen_0.json"), "w") as f:
        json.dump(TRANSCRIPTS, f, indent=2)


if __name__ == "__main__":
    main(sys.argv[1])
