"""What every training tab shares: pause / resume / stop / save, the status lines, and
the once-a-second poll of the learner's job (only while it can bring news).

A tab owns its Start handler (what to train) and how to draw its progress; the rest is
here, so the Pretrain, spam and instruction tabs behave alike: one job per learner of
any kind, a status that says queued / training / finished / failed and why, and a
checkpoint download that works while the job trains and after it ends.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from core.jobs import FailureCause, JobState, JobView, TrainingJob
from playground.errors import friendly, say
from playground.i18n import t
from playground.session import AppContext, learner_key


def polling_on() -> gr.Timer:
    """A page's timer, turned on (after Start, or when a tab opens)."""
    return gr.Timer(active=True)


def poll_while(timer: gr.Timer, tick, news, inputs, outputs, api_name: str, wake=()):
    """The page's timer asks `tick` for what changed, and stops asking once `news(request,
    learner, lang, *rest)` says nothing more can come (no job, or one that has ended, drawn
    as it ended): a room of open pages with nothing running sends no polls. `news` may
    also say how many seconds until the next poll (True: the timer's own pace). Each event
    in `wake` (Start, the tab opening) turns the timer on again. Returns the polling
    handler, for other events that should draw and decide the same way."""
    @functools.wraps(tick)              # the API names its parameters after tick's
    def poll(request: gr.Request, learner, lang, *rest):
        # Decided before drawing: a job that ends in between gets one more, final poll.
        more = news(request, learner, lang, *rest)
        every = timer.value if more is True else float(more or 0)
        return (*tick(request, learner, lang, *rest),
                gr.Timer(every or timer.value, active=every > 0))

    timer.tick(poll, inputs, [*outputs, timer], show_progress="hidden",
               concurrency_limit=None, api_name=api_name)
    for event in wake:
        event.then(polling_on, None, timer, api_visibility="private", show_progress="hidden",
                   concurrency_limit=None)
    return poll


def cleared() -> str:
    """A message about one action (started, paused, saved…) is in the language it was said
    in: a language switch clears it; the status line below it says the job's state."""
    return ""


def format_seconds(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "–"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:60] or "model"


def headline_key(view: JobView) -> str:
    """The catalogue key of the job's headline: each failure's cause has its own; "the
    guard" (pre.state.failed) is the diverging loss's alone."""
    if view.state is JobState.FAILED and view.cause and view.cause != FailureCause.DIVERGED.value:
        return f"job.failed.{view.cause}"
    return f"pre.state.{view.state.value}"


def status_text(view: JobView, lang) -> str:
    """The job's state, speed, ETA and last evaluation, in the learner's language."""
    lines = [t(headline_key(view), lang, step=view.step, max_steps=view.max_steps)]
    if view.pid:
        lines[0] += " · " + t("pre.process", lang, id=view.id, pid=view.pid)
    if view.queue_position:
        lines.append(t("pre.queued", lang, n=view.queue_position))
        if view.queue_wait_s is not None:
            lines.append(t("pre.queue_wait", lang, wait=format_seconds(view.queue_wait_s)))
    if view.last is not None:
        lines.append(t("pre.stats", lang, tps=view.last.tokens_per_s,
                       elapsed=format_seconds(view.last.elapsed_s), eta=format_seconds(view.eta_s),
                       loss=view.last.loss, lr=view.last.lr, grad=view.last.grad_norm,
                       seed=view.seed, params=view.params))
    if view.evals:
        lines.append(eval_line(view.kind, view.evals[-1], lang))
    if view.overfitting and view.kind != "align":
        lines.append(t("pre.overfitting", lang))
    if view.reason and view.state in (JobState.FAILED, JobState.STOPPED):
        lines.append(t("pre.reason", lang, reason=say(view.reason, lang)))
    if view.skipped:
        what = ", ".join(t(f"job.skipped.{item}", lang) for item in view.skipped)
        lines.append(t("job.skipped", lang, what=what))
    if view.not_kept:
        lines.append(t("job.not_kept", lang))
    elif view.kept_step is not None and view.state is not JobState.FINISHED:
        lines.append(t("job.kept", lang, step=view.kept_step))
    return "\n\n".join(lines)


def eval_line(kind: str, last, lang) -> str:
    """The last evaluation in one line: losses and perplexity; for an alignment (DPO)
    run, whose loss starts at ln 2 and has no perplexity, its rewards and accuracy."""
    if kind == "align":
        m = last.metrics
        return t("dpo.status_eval", lang, train=last.train_loss, val=last.val_loss,
                 margin=m.get("train_margin", float("nan")),
                 accuracy=m.get("val_accuracy", float("nan")),
                 share=m.get("five_share", float("nan")))
    return t("pre.eval", lang, train=last.train_loss, val=last.val_loss, ppl=last.val_perplexity)


@dataclass
class Polled:
    job: TrainingJob
    view: JobView
    key: tuple


class TrainingTab:
    """The base of a tab that trains: the registry, and the controls for its kind of job."""

    kind = ""

    def __init__(self, ctx: AppContext):
        self.ctx = ctx
        self.registry = ctx.registry
        self.controls = JobControls(ctx, self.kind)


class JobControls:
    """Pause / resume / stop / save and the poll, for the jobs of one `kind`."""

    def __init__(self, ctx: AppContext, kind: str):
        self.ctx, self.kind = ctx, kind
        self.registry = ctx.registry

    def owner(self, learner, request, lang) -> str:
        return learner_key(learner, request, lang)

    def control(self, action: str):
        """A handler for the pause, resume or stop button."""
        @friendly
        def handler(request: gr.Request, learner, lang):
            owner = self.owner(learner, request, lang)
            job = self.registry.get(owner)
            if job is None:
                return t("pre.no_job", lang)
            if action == "pause":
                self.registry.pause(owner)
            elif action == "resume":
                self.registry.resume(owner)
            else:
                self.registry.stop(owner)
            return t(f"pre.did_{action}", lang)
        handler.__name__ = action
        return handler

    @friendly
    def save(self, request: gr.Request, learner, lang):
        """Handler: the job's checkpoint (weights and optimizer state) to download."""
        owner = self.owner(learner, request, lang)
        job = self.registry.get(owner)
        if job is None:
            raise gr.Error(t("pre.no_job", lang))
        folder = self.registry.scratch_dir(owner, "downloads")   # a few per learner, at most
        view = job.view()
        name = safe_name(f"{job.spec.kind}-{job.spec.corpus}-step{view.step}")
        try:
            weights = Path(job.save(folder / name))
        except RuntimeError as err:
            raise gr.Error(t("pre.err.save", lang, reason=err)) from err
        return [str(weights), str(weights.with_suffix(".json"))], t("pre.saved", lang, step=view.step)

    @friendly
    def export(self, request: gr.Request, learner, lang, repo_id=None, token=None):
        """Handler: the job's model as a transformers folder (zipped), and on the Hub if a
        repo and a token are given. The token is used for that upload and nowhere else."""
        import shutil

        from core.checkpoint import load_checkpoint
        from core.export import ExportError, export_model, push_to_hub

        owner = self.owner(learner, request, lang)
        job = self.registry.get(owner)
        if job is None:
            raise gr.Error(t("pre.no_job", lang))
        work = self.registry.scratch_dir(owner, "exports")
        try:
            checkpoint = load_checkpoint(job.save(work / "checkpoint"))
            folder = export_model(checkpoint.model, checkpoint.tokenizer,
                                  work / safe_name(f"{job.spec.kind}-{job.spec.corpus}"),
                                  checkpoint.meta)
        except (ExportError, RuntimeError) as err:
            raise gr.Error(t("exp.err", lang, reason=err)) from None
        archive = shutil.make_archive(str(folder), "zip", root_dir=folder)
        message = t("exp.done", lang, step=checkpoint.step)
        if repo_id:
            try:
                url = push_to_hub(folder, repo_id.strip(), token or "")
            except ExportError as err:
                raise gr.Error(t("exp.err_hub", lang, reason=err)) from None
            message += "\n\n" + t("exp.pushed", lang, url=url)
        return archive, message

    def poll(self, request, learner, lang, last_key, *extra) -> Polled | None:
        """The learner's job of this tab's kind, if it changed since `last_key`."""
        try:
            owner = self.owner(learner, request, lang)
        except gr.Error:
            return None
        self.registry.touch(owner)
        job = self.registry.get(owner)
        if job is None or job.spec.kind != self.kind:
            return None
        return self.polled(job, lang, *extra)

    def has_news(self, request, learner, lang) -> bool:
        """Whether more can come for this page: the learner has a job of this kind that has
        not ended (queued, training or paused)."""
        try:
            job = self.registry.get(self.owner(learner, request, lang))
        except gr.Error:
            return False
        return job is not None and job.spec.kind == self.kind and job.state.active

    def wire_poll(self, timer: gr.Timer, tick, inputs, outputs, api_name: str, wake=(),
                  keep=None):
        """`poll_while` for this tab's jobs: news can come while the learner has a job of
        this kind that has not ended (at the timer's pace), or while `keep(*rest)` gives
        a pace in seconds (following the class run)."""
        def news(request, learner, lang, *rest):
            return self.has_news(request, learner, lang) or (keep(*rest) if keep else 0)
        return poll_while(timer, tick, news, inputs, outputs, api_name, wake)

    def polled(self, job: TrainingJob, lang, *extra) -> Polled:
        """A job's view and the key that says whether it changed (a queued job's view
        carries its place and estimated wait)."""
        position = self.registry.queue_position(job)
        view = job.view(position)
        if position:
            view.queue_wait_s = self.registry.queue_wait(job)
        key = (view.id, view.step, len(view.evals), len(view.samples), view.state.value, lang,
               position, *extra)
        return Polled(job, view, key)

    @staticmethod
    def buttons(lang, start_key: str = "pre.start"):
        """Start, pause, resume, stop and save buttons and the download box, laid out:
        (start button, {"pause": …, "resume": …, "stop": …, "save": …}, download)."""
        with gr.Row():
            start = gr.Button(t(start_key, lang), variant="primary")
            pause = gr.Button(t("pre.pause", lang))
            resume = gr.Button(t("pre.resume_btn", lang))
            stop = gr.Button(t("pre.stop", lang), variant="stop")
        save = gr.Button(t("pre.save", lang))
        download = gr.File(label=t("pre.download", lang), file_count="multiple", interactive=False)
        return start, {"pause": pause, "resume": resume, "stop": stop, "save": save}, download

    def wire(self, ctx: AppContext, buttons: dict, message, download, api_prefix: str = "") -> None:
        """Connect pause / resume / stop / save buttons: {"pause": button, …, "save": button}."""
        who = [ctx.learner, ctx.lang]
        for action in ("pause", "resume", "stop"):
            if action in buttons:
                buttons[action].click(self.control(action), who, message,
                                      api_name=f"{api_prefix}{action}", concurrency_limit=None)
        if "save" in buttons:
            buttons["save"].click(self.save, who, [download, message],
                                  api_name=f"{api_prefix}save", concurrency_limit=4)
        ctx.on_language(cleared, [], message)

    def export_box(self, ctx: AppContext, lang, api_prefix: str = "") -> None:
        """An accordion to take the model away: transformers folder, Hub upload."""
        with gr.Accordion(t("exp.title", lang), open=False):
            gr.Markdown(t("exp.intro", lang))
            export_btn = gr.Button(t("exp.button", lang))
            with gr.Row():
                repo_box = gr.Textbox(label=t("exp.repo", lang), placeholder="user/my-tiny-gpt")
                token_box = gr.Textbox(label=t("exp.token", lang), type="password")
            push_btn = gr.Button(t("exp.push", lang))
            archive_file = gr.File(label=t("exp.file", lang), interactive=False)
            export_md = gr.Markdown()
        export_btn.click(self.export, [ctx.learner, ctx.lang], [archive_file, export_md],
                         api_name=f"{api_prefix}export", concurrency_limit=2)
        push_btn.click(self.export, [ctx.learner, ctx.lang, repo_box, token_box],
                       [archive_file, export_md], api_name=f"{api_prefix}push", concurrency_limit=1)
        ctx.on_language(cleared, [], export_md)


def training_widgets(ranges, defaults, lang):
    """The steps, batch, learning-rate and seed widgets of a fine-tune, from its ranges
    and its default TrainConfig."""
    from playground.inputs import number_box, slider

    return (number_box(ranges.steps._replace(default=defaults.max_steps), t("spam.steps", lang)),
            slider(ranges.batch._replace(default=defaults.batch_size), t("spam.batch", lang)),
            gr.Number(defaults.lr, minimum=ranges.lr.low, maximum=ranges.lr.high,
                      label=t("spam.lr", lang)),
            number_box(ranges.seed, t("spam.seed", lang)))
