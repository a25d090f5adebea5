"""Imported once by the job processes' forkserver, so every job it forks starts warm.

A forked child shares its parent's memory, so what is loaded here is loaded for every
job: torch and the modules a job runs, torch's compiler front end (AdamW's constructor
imports it: 1.6 s on 2 cores), and GPT-2's BPE tables (0.3–0.5 s). With this, a job
shows its first loss well within a second or two of Start.
"""

import torch._dynamo  # noqa: F401

import core.checkpoint  # noqa: F401
import core.jobs.objective_table  # noqa: F401  (every objective's module)
import core.jobs.process  # noqa: F401
import core.kv_cache  # noqa: F401
import core.probes  # noqa: F401
import core.train  # noqa: F401
from core.tokenizer import BPETokenizer

BPETokenizer()
