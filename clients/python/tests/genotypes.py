"""The PersonaGenotype shapes of snackPersona's history (seed-reality.md), each as the pydantic v2 model its
version had; each is named PersonaGenotype (qualnames v1.PersonaGenotype, ...), as in the seed."""

from typing import Any, Dict, List, Optional

from pydantic import BaseModel, Field


class v1:
    class PersonaGenotype(BaseModel):
        name: str
        age: int = Field(ge=18)
        occupation: str
        backstory: str
        core_values: List[str]
        hobbies: List[str]
        personality_traits: Dict[str, float]
        communication_style: str
        topical_focus: str
        interaction_policy: str
        goals: List[str]


class v2:
    class PersonaGenotype(BaseModel):
        name: str
        attributes: Dict[str, Any]


class v2b:
    class PersonaGenotype(BaseModel):
        name: str
        description: str


class v3:
    class PersonaGenotype(BaseModel):
        name: str
        bio: str


class v4:
    class PersonaGenotype(BaseModel):
        name: str
        bio: str
        island_id: Optional[str] = None
