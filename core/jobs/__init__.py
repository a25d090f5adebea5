"""Training jobs shared by a room of learners: one process per job, a cap, a queue, bounds.

The book's chapters (core/*.py) say what to train; this package runs them for a room
on one server. Its modules, from the bottom up:
- `spec`: `JobSpec`, what a job is asked to do, and `ExtraModel`, the one seam for a
  second model inside a job's process (a frozen reference, a second trained model):
  read its docstring before building on it;
- `files`: where the jobs' and the learners' files live, and how they go;
- `messages`: every message between the server and a job's process, one dataclass
  each (`StopSoon`, `Ended` …), and what starts the process;
- `mirror`: `SharedWeights`, a model's weights in shared memory;
- `objective_table`: every objective a job can run, in one table;
- `process`: what runs inside the job's process;
- `view`: `JobState`, and `JobView`, the bounded copy of a job's progress a page reads;
- `job`: `TrainingJob`, one run seen from the server;
- `store`: `ModelStore`, the models each learner keeps, bounded in count and bytes;
- `registry`: `JobRegistry`, every learner's job and models, the queue, the reaper;
- `forkserver_preload`: what the job processes' forkserver imports once.

What a learner sees: a failed job says why (the guard, a kill, a crash, no memory);
a stopped job keeps its newest weights whatever the stop had to cut short; the server
keeps a few models per learner, within a bound in bytes; a learner who leaves is
forgotten with their files. `from core.jobs import …` gives every public name.
"""

from core.jobs.files import RUNS_ENV, learner_dir, runs_root
from core.jobs.job import DEFAULT_GRACE_S, TrainingJob
from core.jobs.messages import FailureCause, Skipped
from core.jobs.mirror import SharedWeights
from core.jobs.process import NICE_ENV, PRELOAD, job_context, warm_up
from core.jobs.registry import (IDLE_ENV, LEARNER_TTL_ENV, MAX_JOBS_ENV, SERVER_HEADROOM,
                                STOP_GRACE_ENV, JobBusy, JobRegistry, JobTooBig)
from core.jobs.spec import ExtraModel, JobSpec
from core.jobs.store import (MAX_MODELS_ENV, MODEL_MEMORY_ENV, ModelStore, ModelStoreFull,
                             SavedModel)
from core.jobs.view import MAX_KEPT, MAX_POINTS, MAX_PROBE_RESULTS, JobState, JobView, _downsample

__all__ = [
    "DEFAULT_GRACE_S", "IDLE_ENV", "LEARNER_TTL_ENV", "MAX_JOBS_ENV", "MAX_KEPT", "MAX_MODELS_ENV",
    "MAX_POINTS", "MAX_PROBE_RESULTS", "MODEL_MEMORY_ENV", "NICE_ENV", "PRELOAD", "RUNS_ENV",
    "SERVER_HEADROOM", "STOP_GRACE_ENV", "ExtraModel", "FailureCause", "JobBusy", "JobRegistry",
    "JobSpec", "JobState", "JobTooBig", "JobView", "ModelStore", "ModelStoreFull", "SavedModel",
    "SharedWeights", "Skipped", "TrainingJob", "_downsample", "job_context", "learner_dir",
    "runs_root", "warm_up",
]
