"""What the later stages add to the framework's lifecycle, registered when the app starts
(registry.app.register_hooks): the facts and checks that guard a move, and what follows a move or a
notice. The lifecycle itself (registry.frameworks.lifecycle) names no later stage: the criteria,
tenders, evaluation and award packages build on frameworks, not the other way round.

Every callback runs inside the action's transaction."""

from typing import Any

from registry.frameworks.tables import Document, Framework, Notice, State
from registry.hooks import Hook

# Facts a later stage keeps, as FrameworkFacts fields (tenders: who requested and confirmed the opening).
facts: Hook[[Framework], dict[str, Any]] = Hook("the facts a move's guards look at")

# What blocks a move into each state, as a later stage sees it (criteria: the assessment is incomplete).
checks: Hook[[Framework], dict[State, list[str]]] = Hook("what blocks a move, by target state")

# The framework has entered a new stage (interest: tell the suppliers who follow it).
entered: Hook[[Framework, State, str | None], None] = Hook("a framework entered a stage")

# A published notice or document was amended (interest: tell the suppliers who follow it).
amended: Hook[[Framework, Notice, str], None] = Hook("a notice was amended")

# A notice or document was published (open data: its OCDS release).
notice_published: Hook[[Framework, Notice], None] = Hook("a notice was published")
document_published: Hook[[Framework, Document], None] = Hook("a document was published")
