"""How the app starts on a shared server: Gradio's per-event costs kept low, and the
README's Hugging Face Spaces front matter in step with requirements.txt."""

import os
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


SPACE_COLOURS = {"red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"}


def front_matter() -> dict:
    from huggingface_hub import metadata_load
    return metadata_load(ROOT / "README.md") or {}


def pinned(package: str) -> str | None:
    """The version requirements.txt pins `package` to with `==`, or None."""
    from packaging.requirements import Requirement
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line or line.startswith("-"):
            continue
        req = Requirement(line)
        if req.name.lower() == package:
            specs = [s for s in req.specifier if s.operator == "=="]
            return specs[0].version if len(specs) == 1 and len(req.specifier) == 1 else None
    return None


def test_the_readme_front_matter_is_a_valid_gradio_space():
    meta = front_matter()
    assert meta.get("sdk") == "gradio"
    assert meta.get("app_file") == "app.py" and (ROOT / meta["app_file"]).is_file()
    assert meta.get("title") and meta.get("emoji")
    assert {meta.get("colorFrom"), meta.get("colorTo")} <= SPACE_COLOURS
    assert str(meta.get("python_version")) == "3.11"       # a string: 3.10 is not 3.1
    assert 0 < len(meta.get("short_description", "")) <= 60
    assert meta.get("suggested_hardware") == "cpu-basic"


def test_the_space_runs_the_gradio_the_requirements_pin():
    """A Space installs `sdk_version`'s gradio, then requirements.txt: the two must agree,
    and the tests here run that same version."""
    import gradio
    version = pinned("gradio")
    assert version is not None, "requirements.txt must pin gradio with =="
    assert str(front_matter().get("sdk_version")) == version
    assert gradio.__version__ == version


def test_host_and_port_come_from_the_environment():
    """launch() is given no host or port: Gradio reads GRADIO_SERVER_NAME and
    GRADIO_SERVER_PORT, which a Space sets (0.0.0.0:7860)."""
    import ast
    tree = ast.parse((ROOT / "app.py").read_text())
    launches = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
                and getattr(node.func, "attr", None) == "launch"]
    assert launches
    for call in launches:
        assert not {kw.arg for kw in call.keywords} & {"server_name", "server_port", "share"}
