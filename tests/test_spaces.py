"""How the app starts on a shared server: Gradio's per-event costs kept low, and the
README's Hugging Face Spaces front matter in step with requirements.txt."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_gradio_builds_its_analytics_summary_rarely():
    """app.py sets the cache frequency before Gradio reads it: a queue made after
    `import app` rebuilds its pandas summary only every few thousand events, not after
    each one (Gradio's default, 1). Run fresh, so no earlier import has set it."""
    env = {k: v for k, v in os.environ.items() if k != "GRADIO_ANALYTICS_CACHE_FREQUENCY"}
    code = ("import app, gradio as gr\n"
            "demo = gr.Blocks()\n"
            "demo.queue()\n"
            "print(demo._queue.ANAYLTICS_CACHE_FREQUENCY)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.split()[-1]) >= 1000
