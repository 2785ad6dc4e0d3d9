"""What the later stages add to the framework's lifecycle, registered when the app starts
(registry.app.register_hooks): the facts and checks that guard a move, and what follows a move or a
notice. The lifecycle itself (registry.frameworks.lifecycle) names no later stage: the criteria,
tenders, evaluation and award packages build on frameworks, not the other way round.

Every callback runs inside the action's transaction."""

from typing import Any

from registry.frameworks.tables import Document, Framework, Notice, State
from registry.hooks import Hook, Named

# Facts a later stage keeps, as FrameworkFacts fields, under the name a transition gives in its
# `facts` (tenders: "opening officers", who requested and who confirmed the opening).
facts: Named[[Framework], dict[str, Any]] = Named("facts")

# What blocks a move, as a later stage sees it, under the name a transition gives in its `checks`
# (criteria: "assessment criteria complete"): the problems, in task-list words, none when it may go ahead.
# A check reads the clock no finer than the framework's key dates and the day in the United Kingdom:
# the officer's task list is kept until the next of them (registry.frameworks.calendar.next_turn_of_moves).
checks: Named[[Framework], list[str]] = Named("check")

# The framework has entered a new stage (interest: tell the suppliers who follow it).
entered: Hook[[Framework, State, str | None], None] = Hook("a framework entered a stage")

# A published notice or document was amended (interest: tell the suppliers who follow it).
amended: Hook[[Framework, Notice, str], None] = Hook("a notice was amended")

# A notice or document was published (open data: its OCDS release).
notice_published: Hook[[Framework, Notice], None] = Hook("a notice was published")
document_published: Hook[[Framework, Document], None] = Hook("a document was published")
