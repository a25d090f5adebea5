"""The instructor's page: every job in the room, the queue, memory, and the class run.

It exists only when `LLM_PLAYGROUND_INSTRUCTOR_TOKEN` is set: a Blocks of its own,
mounted at `INSTRUCTOR_PATH` before the learners' app, so the learners' page and API
never list it. Gradio's login form asks for the token (as the password, any user
name); it travels in the form's body, never in a URL, and is compared in constant time.

A learner appears under a short label salted per server start, never under their key
(the key works as a password to their jobs and models). The page polls the registry
and never calls `touch()`: watching a room must not keep its abandoned jobs alive.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import os
from dataclasses import dataclass, field

import gradio as gr

from core.corpora import CORPORA
from core.estimates import available_memory, format_bytes
from core.jobs import JobRegistry, JobState, TrainingJob
from core.pretraining import story_spec
from core.runtime import pick_device, resident_bytes
from playground.errors import friendly
from playground.header import LANGUAGE_NAMES
from playground.i18n import LANGUAGES, check_lang, default_lang, t
from playground.job_controls import format_seconds, headline_key
from playground.language import start_language
from playground.plots import sparkline_svg

TOKEN_ENV = "LLM_PLAYGROUND_INSTRUCTOR_TOKEN"
INSTRUCTOR_PATH = "/instructor"
CLASS_OWNER = "class-run"                 # the owner of a class run the instructor starts
CLASS_LABEL = "#class"
POLL_S = 2.0
KIND_TITLES = {"pretrain": "pre.tab", "classifier": "spam.tab", "instruct": "ins.tab"}
CURVE_POINTS = 60


def instructor_token() -> str | None:
    """The token from the environment, or None: then no instructor page exists."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    return token or None


def token_check(token: str):
    """Gradio's `auth` callable: any user name, the password compared in constant time."""
    expected = token.encode()

    def check(username: str, password: str) -> bool:
        return hmac.compare_digest((password or "").encode(), expected)
    return check


@dataclass
class Room:
    """What the instructor page reads of the registry, learners under salted labels."""

    registry: JobRegistry
    salt: bytes = field(default_factory=lambda: os.urandom(16))

    def label(self, owner: str) -> str:
        """A learner's short label (the same in both languages: the job picker's value)."""
        if owner == CLASS_OWNER:
            return CLASS_LABEL
        return "#" + hmac.new(self.salt, owner.encode(), hashlib.sha256).hexdigest()[:6]

    def jobs_by_label(self) -> dict[str, TrainingJob]:
        return {self.label(job.owner): job for job in self.registry.all_jobs()}

    # ----- reading (never touches a learner) -------------------------------------
    def summary(self, lang) -> str:
        jobs = self.registry.running_jobs()
        running = sum(1 for j in jobs if j.state is JobState.RUNNING)
        queued = sum(1 for j in jobs if j.state is JobState.QUEUED)
        report = self.registry.memory_report()
        return t("room.summary", lang, learners=self.registry.learners(), running=running,
                 queued=queued, server=format_bytes(resident_bytes()),
                 jobs=format_bytes(sum(j.memory_rss() for j in jobs)),
                 models=format_bytes(report["models"]), free=format_bytes(available_memory()))

    def table(self, lang) -> str:
        jobs = self.registry.all_jobs()
        if not jobs:
            return f"<p>{html.escape(t('room.no_jobs', lang))}</p>"
        heads = "".join(f"<th>{html.escape(t(f'room.col.{c}', lang))}</th>" for c in
                        ("learner", "kind", "state", "loss", "tps", "time", "curve"))
        rows = [self._row(job, lang) for job in jobs]
        return f'<table class="room-jobs"><thead><tr>{heads}</tr></thead><tbody>{"".join(rows)}</tbody></table>'

    def _row(self, job: TrainingJob, lang) -> str:
        position = self.registry.queue_position(job)
        view = job.view(position)
        last = view.last
        if position:
            time_text = t("room.waiting", lang, n=position,
                          wait=format_seconds(self.registry.queue_wait(job)))
        elif view.state.active:
            time_text = t("room.left", lang, eta=format_seconds(view.eta_s))
        else:
            time_text = format_seconds(last.elapsed_s if last else None)
        cells = [self.label(job.owner), t(KIND_TITLES.get(view.kind, "room.kind_other"), lang),
                 _plain(t(headline_key(view), lang, step=view.step, max_steps=view.max_steps)),
                 f"{last.loss:.3f}" if last else "–",
                 f"{last.tokens_per_s:,.0f}" if last else "–", time_text]
        curve = sparkline_svg([loss for _, loss in view.steps[-CURVE_POINTS:]])
        return ("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells)
                + f"<td>{curve}</td></tr>")

    def class_status(self, lang) -> str:
        job = self.registry.class_job()
        if job is None:
            return t("room.class_none", lang)
        view = job.view(self.registry.queue_position(job))
        text = t("room.class_status", lang, label=self.label(job.owner),
                 state=_plain(t(headline_key(view), lang, step=view.step,
                                max_steps=view.max_steps)),
                 step=view.step, max_steps=view.max_steps)
        model = self.registry.class_model
        if model is not None:
            text += "\n\n" + t("room.class_model", lang,
                               name=t("picker.class", lang, label=model.label))
        return text

    # ----- acting ----------------------------------------------------------------
    def pause(self, lang, job: str | None) -> str:
        """Handler: pause the job under label `job`."""
        return self._act("pause", job, lang)

    def resume(self, lang, job: str | None) -> str:
        return self._act("resume", job, lang)

    def stop(self, lang, job: str | None) -> str:
        return self._act("stop", job, lang)

    def _act(self, action: str, label: str | None, lang) -> str:
        job = self.jobs_by_label().get(label or "")
        if job is None:
            raise gr.Error(t("room.pick_job", lang))
        if action == "pause":
            self.registry.pause(job.owner)
        elif action == "resume":
            self.registry.resume(job.owner)
        else:
            self.registry.stop_many([job])
        return t(f"room.{action}d" if action != "stop" else "room.stopped", lang, label=label)

    def pause_all(self, lang) -> str:
        jobs = [j for j in self.registry.running_jobs() if j.state is JobState.RUNNING]
        for job in jobs:
            self.registry.pause(job.owner)
        return t("room.paused_all", lang, n=len(jobs))

    def stop_all(self, lang) -> str:
        jobs = self.registry.running_jobs()
        self.registry.stop_many(jobs)          # every job is asked first, then waited for
        return t("room.stopped_all", lang, n=len(jobs))

    def mark_class(self, lang, job: str | None) -> str:
        """Handler: make the job under label `job` the class run."""
        label, job = job, self.jobs_by_label().get(job or "")
        if job is None or self.registry.set_class_run(job.owner) is None:
            raise gr.Error(t("room.pick_job", lang))
        return t("room.class_marked", lang, label=label)

    def start_class(self, lang, corpus: str) -> str:
        """Handler: start a class run of `corpus` with its story's settings."""
        if corpus not in CORPORA:
            raise gr.Error(t("pre.err.corpus", lang, corpus=corpus))
        spec = story_spec(corpus, t("room.class_label", lang, corpus=corpus))
        ahead = self.registry.submit(CLASS_OWNER,
                                     TrainingJob(CLASS_OWNER, spec, device=pick_device()))
        self.registry.set_class_run(CLASS_OWNER)
        return (t("room.class_queued", lang, n=ahead) if ahead
                else t("room.class_started", lang))


def _plain(markdown: str) -> str:
    """A status headline without its Markdown emphasis, for a table cell."""
    return markdown.replace("**", "")


# ----- the page ----------------------------------------------------------------------

def build_instructor(registry: JobRegistry, lang: str | None = None) -> gr.Blocks:
    """The instructor's Blocks (mounted by `mount_instructor`; tests build it directly)."""
    room = Room(registry)
    lang = check_lang(lang or default_lang())
    with gr.Blocks(title=t("room.title", lang), analytics_enabled=False) as page:
        lang_state = gr.State(lang)
        with gr.Row(equal_height=True):
            title_md = gr.Markdown(f"# {t('room.title', lang)}\n{t('room.intro', lang)}")
            lang_radio = gr.Radio([(LANGUAGE_NAMES[code], code) for code in ("zh", "en")],
                                  value=lang, label="中文 / English", show_label=False,
                                  container=False, scale=0, min_width=200)
        summary_md = gr.Markdown(room.summary(lang))
        table_html = gr.HTML(room.table(lang))
        with gr.Row():
            job_dd = gr.Dropdown(choices=list(room.jobs_by_label()), value=None,
                                 label=t("room.job", lang), allow_custom_value=True, scale=2)
            buttons = {name: gr.Button(t(f"room.{name}", lang), size="sm",
                                       variant="stop" if "stop" in name else "secondary")
                       for name in ("pause", "resume", "stop", "pause_all", "stop_all")}
        message_md = gr.Markdown()
        with gr.Group():
            class_title_md = gr.Markdown(f"### {t('room.class_title', lang)}\n"
                                         f"{t('room.class_intro', lang)}")
            class_md = gr.Markdown(room.class_status(lang))
            with gr.Row():
                corpus_dd = gr.Dropdown([(t(f"corpus.{name}", lang), name) for name in CORPORA],
                                        value="tang-five" if lang == "zh" else "the-verdict",
                                        label=t("room.class_corpus", lang), scale=2)
                start_btn = gr.Button(t("room.class_start", lang), variant="primary")
                mark_btn = gr.Button(t("room.make_class", lang))
        timer = gr.Timer(POLL_S)

        def refresh(lang, current):
            labels = list(room.jobs_by_label())
            return (room.summary(lang), room.table(lang), room.class_status(lang),
                    gr.update(choices=labels, value=current if current in labels else None))

        shown = [summary_md, table_html, class_md, job_dd]
        timer.tick(refresh, [lang_state, job_dd], shown, show_progress="hidden",
                   concurrency_limit=None, api_name="room")
        for action in ("pause", "resume", "stop"):
            buttons[action].click(friendly(getattr(room, action)), [lang_state, job_dd],
                                  message_md, api_name=action)
        buttons["pause_all"].click(room.pause_all, lang_state, message_md, api_name="pause_all")
        buttons["stop_all"].click(room.stop_all, lang_state, message_md, api_name="stop_all")
        mark_btn.click(friendly(room.mark_class), [lang_state, job_dd], message_md,
                       api_name="mark_class")
        start_btn.click(friendly(room.start_class), [lang_state, corpus_dd], message_md,
                        api_name="start_class")

        def switch(choice):
            new = choice if choice in LANGUAGES else lang
            words = [gr.update(value=t(f"room.{name}", new)) for name in buttons]
            return (new, f"# {t('room.title', new)}\n{t('room.intro', new)}",
                    f"### {t('room.class_title', new)}\n{t('room.class_intro', new)}",
                    gr.update(label=t("room.job", new)),
                    gr.update(label=t("room.class_corpus", new),
                              choices=[(t(f"corpus.{name}", new), name) for name in CORPORA]),
                    gr.update(value=t("room.class_start", new)),
                    gr.update(value=t("room.make_class", new)), "", *words)
        worded = [lang_state, title_md, class_title_md, job_dd, corpus_dd, start_btn, mark_btn,
                  message_md, *buttons.values()]
        lang_radio.input(switch, lang_radio, worded, api_visibility="private",
                         show_progress="hidden").then(
            refresh, [lang_state, job_dd], shown, api_visibility="private",
            show_progress="hidden")

        def opened(request: gr.Request):
            """The page opens in the link's ?lang=, else the browser's language."""
            new = start_language(request.query_params.get("lang"), None,
                                 request.headers.get("accept-language"))
            return new, *switch(new)
        page.load(opened, None, [lang_radio, *worded], api_visibility="private",
                  show_progress="hidden").then(
            refresh, [lang_state, job_dd], shown, api_visibility="private",
            show_progress="hidden")
    page.room = room
    page.run_history = False     # nothing of the room is kept in the instructor's browser
    return page


def mount_instructor(registry: JobRegistry, theme=None, lang: str | None = None) -> dict:
    """With the token set: the instructor page mounted at INSTRUCTOR_PATH on a fresh app,
    as keyword arguments for the learners' `launch()` (their routes come after it, and
    its startup runs inside theirs). Without the token: {} (nothing is mounted)."""
    token = instructor_token()
    if token is None:
        return {}
    from gradio.routes import App

    page = build_instructor(registry, lang)
    page.queue(default_concurrency_limit=2)
    app = App()
    gr.mount_gradio_app(app, page, INSTRUCTOR_PATH, auth=token_check(token),
                        auth_message=t("room.login", check_lang(lang or default_lang())),
                        theme=theme, footer_links=[])
    # Gradio's launch() takes an app to add its routes to (`_app`, kept private there) and
    # a lifespan to run: the mounted page's startup (its queue) is that lifespan.
    return {"_app": app, "app_kwargs": {"lifespan": app.router.lifespan_context}}
