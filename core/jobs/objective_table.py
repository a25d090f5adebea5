"""Every objective a job can run, in one table.

A `Task` names its objective; the job's process looks the name up here and calls the
builder with an `ObjectiveContext` (the task, the tokenizer, the context length, the
device and the job's extra models: core/objectives.py). A new kind of run adds one
line to `OBJECTIVES` (and the import of its module).

The modules listed here never import the job machinery (core/jobs/): this table is
part of it, so such an import would make a loop. A job's assembly (building its
`JobSpec`) lives in a module of its own, as core/pretraining.py and
core/finetuning.py do.
"""

from __future__ import annotations

from typing import Callable

from core import ablation, classifier, dpo, instruct, objectives
from core.objectives import Objective, ObjectiveContext

OBJECTIVES: dict[str, Callable[[ObjectiveContext], Objective]] = {
    "lm": objectives.language_modeling,             # pretraining (chapter 5)
    "classify": classifier.classification,          # a classifier (chapter 6)
    "instruct": instruct.instruction_tuning,        # following instructions (chapter 7)
    "dpo": dpo.preference_alignment,                # preferring one answer (DPO, the bonus)
    "pair": ablation.paired_language_modeling,      # two models side by side (the ablation lab)
}


def make_objective(ctx: ObjectiveContext) -> Objective:
    """Build the objective `ctx.task` names."""
    builder = OBJECTIVES.get(ctx.task.objective)
    if builder is None:
        raise ValueError(f"unknown objective {ctx.task.objective!r}; known: {sorted(OBJECTIVES)}")
    return builder(ctx)
