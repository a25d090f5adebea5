"""Instruction fine-tune tab (chapter 7, and the Tang tutorial's "write a poem titled …").

- Data: the book's 1,100 instructions, the Tang tutorial's poems by title, or the
  learner's own JSON file of {instruction, input, output} items.
- The loss-mask inspector shows one real batch token by token: which targets count
  towards the loss and which are −100, with and without masking the instruction.
- Fine-tuning runs on the shared job machinery (core/instruct.py's objective for the
  one Trainer); every evaluation also writes the responses to three fixed validation
  items, shown beside their references.
- Try it: an instruction (and input) in, the response streamed out; a title in, a poem out.
- Evaluation: responses on the test split beside the references, with a built-in word
  overlap score and, if the learner wants, a judge model's 0–100 score.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass

import gradio as gr
import torch

from core.config import GPTConfig
from core.corpora import corpus_tokenizer, read_upload
from core.generate import generate_stream
from core.instruct import (TRAINING, custom_collate_fn, encode_items, judge_prompt,
                           prompt_and_response, read_instruction_upload, book_instruction_data,
                           respond, split_book_data, tang_instruction_split, tang_prompt,
                           tang_title, whole_tang_items, word_overlap_f1, instruction_task)
from core.jobs import JobSpec, TrainingJob
from core.judge import JudgeError, score
from core.pretrained import GPT2_SOURCES
from core.runtime import pick_device
from core.tokenizer import BPETokenizer, CharTokenizer, SubsetBPETokenizer, token_label
from core.train import TrainConfig
from playground.errors import friendly
from playground.i18n import t
from playground.inputs import Range, TrainingRanges, TrainingSettings, read_in, slider, widget_values
from playground.job_controls import TrainingTab, status_text, training_widgets
from playground.model_picker import ModelPicker, model_choices, resolve_model
from playground.plots import loss_figure
from playground.prompt import check_text, for_tang, is_tang, notices_md, shown
from playground.session import AppContext, learner_key

BOOK, TANG, UPLOAD = "book", "tang", "upload"
DATASETS = (BOOK, TANG, UPLOAD)
SCRATCH = "scratch"
RANGES = TrainingRanges(steps=Range(1, 100_000, 300), batch=Range(1, 64, 8),
                        lr=Range(1e-6, 1.0, 5e-4))
NEW_TOKENS = Range(1, 400, 100)
TEST_ITEMS = Range(1, 200, 5)
MAX_UPLOAD_BYTES = 5_000_000
MAX_INSTRUCTION_CHARS = 2_000
SCRATCH_CONFIG = GPTConfig(vocab_size=2, context_length=256, emb_dim=128, n_heads=4,
                           n_layers=3, drop_rate=0.0)


@dataclass
class Dataset:
    """One instruction dataset, as (prompt, response) texts and what it needs."""

    name: str
    train: list[tuple[str, str]]
    val: list[tuple[str, str]]
    test: list[tuple[str, str]]
    entries_test: list[dict]         # the original test items (for the judge's prompt)
    tang: bool = False


def load_dataset(name: str, upload, lang) -> Dataset:
    if name == TANG:
        train, val, test = tang_instruction_split()
        return Dataset(TANG, train, val, test,
                       [{"title": tang_title(p), "output": r} for p, r in test], tang=True)
    if name == UPLOAD:
        if upload is None:
            raise gr.Error(t("ins.err.no_upload", lang))
        data = read_instruction_upload(read_upload(upload, MAX_UPLOAD_BYTES), MAX_UPLOAD_BYTES)
        if len(data) < 3:
            raise gr.Error(t("ins.err.few_items", lang, n=len(data)))
    elif name == BOOK:
        data = book_instruction_data()
    else:
        raise gr.Error(t("ins.err.dataset", lang, name=name))
    train, val, test = split_book_data(data)
    if not val:
        val = train[-1:]
    if not test:
        test = val
    pairs = lambda items: [prompt_and_response(e) for e in items]  # noqa: E731
    return Dataset(name, pairs(train), pairs(val), pairs(test), test)


def _fits(tokenizer, dataset: Dataset, lang) -> list[str]:
    """A one-sentence refusal when the tokenizer cannot read the dataset; notices else."""
    if dataset.tang:
        if not (isinstance(tokenizer, CharTokenizer) and is_tang(tokenizer)):
            raise gr.Error(t("ins.err.needs_tang", lang))
        return []
    if isinstance(tokenizer, CharTokenizer):
        raise gr.Error(t("ins.err.char", lang))
    if isinstance(tokenizer, SubsetBPETokenizer):
        missing = sum(len(tokenizer.unknown_pieces(p + r)) > 0 for p, r in dataset.train[:200])
        return [t("ins.notice.subset", lang, share=missing / max(1, min(200, len(dataset.train))))]
    return []


def _defaults(base: str) -> TrainConfig:
    if base == SCRATCH:
        return TRAINING["scratch"]
    return TRAINING["gpt2"] if base in GPT2_SOURCES else TRAINING["pretrained"]


@dataclass(frozen=True)
class InstructSetup:
    """The fine-tune's widgets, checked (`WIDGETS` is their order)."""

    dataset: str
    upload: object
    base: str
    mask_instruction: bool
    training: TrainingSettings

    WIDGETS = ("dataset", "upload", "base", "mask_instruction", "steps", "batch", "lr", "seed")

    @classmethod
    def read(cls, values: dict, lang) -> "InstructSetup":
        v = widget_values(cls.WIDGETS, values, lang)
        if v["dataset"] not in DATASETS:
            raise gr.Error(t("ins.err.dataset", lang, name=v["dataset"]))
        return cls(v["dataset"], v["upload"], v["base"], bool(v["mask_instruction"]),
                   RANGES.read(v, lang))


def _piece(tokenizer, token_id: int) -> str:
    return token_label(tokenizer.token_bytes(token_id), visible_space=True)


class InstructTab(TrainingTab):
    """The tab's handlers, over the registry in the app context."""

    kind = "instruct"

    @staticmethod
    def on_base(lang, base: str):
        cfg = _defaults(base)
        return cfg.max_steps, cfg.batch_size, cfg.lr

    # ----- the loss-mask inspector ---------------------------------------------------
    @friendly
    def inspect(self, lang, dataset_name, upload):
        """Handler: one real batch (two items) token by token, for both masking choices."""
        dataset = load_dataset(dataset_name, upload, lang)
        tokenizer = corpus_tokenizer("tang") if dataset.tang else BPETokenizer()
        items = encode_items(dataset.train[:2], tokenizer)
        pad = tokenizer.eos_id if tokenizer.eos_id is not None else 0
        tables = []
        for masked in (False, True):
            inputs, targets = custom_collate_fn(items, pad, mask_instruction=masked)
            tables.append(_mask_table(tokenizer, inputs, targets, masked, lang))
        counts = [int((custom_collate_fn(items, pad, mask_instruction=m)[1] != -100).sum())
                  for m in (False, True)]
        summary = t("ins.inspect_summary", lang, full=counts[0], masked=counts[1],
                    total=int(inputs.numel()))
        return ('<div style="display:flex;gap:16px;flex-wrap:wrap">' + "".join(tables) + "</div>",
                summary)

    # ----- fine-tuning -------------------------------------------------------------
    @friendly
    def start(self, request: gr.Request, learner, lang, **setup):
        """Handler: fine-tune the chosen base on the chosen instructions
        (`InstructSetup.WIDGETS`, by name)."""
        setup = InstructSetup.read(setup, lang)
        owner = learner_key(learner, request, lang)
        self.registry.touch(owner)
        dataset = load_dataset(setup.dataset, setup.upload, lang)
        base_state, base_id = None, None
        if setup.base == SCRATCH:
            if dataset.tang:
                tokenizer = corpus_tokenizer("tang")
            else:
                tokenizer = SubsetBPETokenizer.from_text(
                    "\n".join(p + r for p, r in dataset.train + dataset.val), name="instructions-subset")
            model_cfg = SCRATCH_CONFIG.replace(vocab_size=tokenizer.n_vocab)
            base_label, notices = t("spam.base.scratch_short", lang), []
        else:
            picked = resolve_model(self.registry, setup.base, owner, lang, kind="lm")
            tokenizer, model_cfg = picked.tokenizer, picked.model.cfg
            notices = _fits(tokenizer, dataset, lang)
            base_state = picked.model.state_dict()
            base_id = picked.saved.id if picked.saved is not None else None
            base_label = picked.label
        train, val = dataset.train, dataset.val
        if dataset.tang:                 # a poem cut in half teaches nothing: keep whole ones
            train, val, whole = whole_tang_items(dataset.train, dataset.val, tokenizer,
                                                 model_cfg.context_length)
            if not train:
                raise gr.Error(t("ins.err.context", lang, context=model_cfg.context_length))
            notices.append(t("ins.notice.dropped", lang, n=len(dataset.train) - whole,
                             total=len(dataset.train), context=model_cfg.context_length))
        train_cfg = setup.training.apply(_defaults(setup.base))
        task = instruction_task(train, val, tokenizer, model_cfg.context_length,
                                setup.mask_instruction, max_new_tokens=train_cfg.sample_tokens)
        spec = JobSpec(t("ins.job_label", lang, base=base_label, data=t(f"ins.data.{setup.dataset}", lang)),
                       model_cfg, train_cfg, tokenizer, task, corpus=setup.dataset, kind="instruct",
                       init_state=base_state, tags=("instruction-tuned",), base_model=base_id)
        ahead = self.registry.submit(owner, TrainingJob(owner, spec, device=pick_device()))
        message = t("pre.queued", lang, n=ahead) if ahead else t("ins.started", lang,
                                                                  seed=train_cfg.seed)
        return "\n\n".join([message, *notices])

    def tick(self, request: gr.Request, learner, lang, simplified, last_key):
        """Timer handler: the loss curve, the status and the responses so far."""
        polled = self.controls.poll(request, learner, lang, last_key, bool(simplified))
        if polled is None:
            return gr.skip(), t("ins.no_job", lang), gr.skip(), gr.skip(), last_key
        job, view, key = polled.job, polled.view, polled.key
        if key == last_key:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), last_key
        task = job.spec.task.data
        tok = job.spec.tokenizer
        references = [(tok.decode(ids[:n]), tok.decode(ids[n:])) for ids, n in task["val"][:3]]
        latest: dict[int, tuple[int, str]] = {}
        for sample in view.samples:
            latest[sample.item] = (sample.step, sample.text)
        rows = []
        for item, (prompt, reference) in enumerate(references):
            step, response = latest.get(item, (None, ""))
            rows.append((_short_prompt(prompt), shown(reference, tok, simplified),
                         shown(response, tok, simplified), step))
        picker = gr.skip()
        if not view.state.active and view.step > view.first_step:
            choices = model_choices(self.registry, job.owner, "lm", lang)
            newest = next((v for _, v in choices if v.startswith("saved:")), None)
            picker = gr.update(choices=choices, value=newest)
        return (loss_figure(view.steps, view.evals, lang=lang), status_text(view, lang),
                _responses_html(rows, lang), picker, key)

    # ----- try it ------------------------------------------------------------------
    @friendly
    def chat(self, request: gr.Request, learner, lang, choice, instruction, extra_input,
             new_tokens, simplified):
        """Handler (streams): the model's response to an instruction (or a Tang title)."""
        new_tokens = read_in(NEW_TOKENS, new_tokens, t("ins.new_tokens", lang), lang)
        owner = learner_key(learner, request, lang)
        picked = resolve_model(self.registry, choice, owner, lang, kind="lm")
        instruction = check_text(instruction, lang, "ins.err.empty", MAX_INSTRUCTION_CHARS)
        if extra_input is not None and not isinstance(extra_input, str):
            raise gr.Error(t("samp.err.not_text", lang))
        tok, notices = picked.tokenizer, []
        if is_tang(tok):
            prompt = tang_prompt(for_tang(instruction.strip(), tok, lang, notices))
        else:
            prompt = prompt_and_response({"instruction": instruction.strip(),
                                          "input": (extra_input or "").strip(), "output": ""})[0]
        unknown = tok.unknown_pieces(prompt)
        if unknown:
            notices.append(t("samp.notice.unknown", lang, n=len(unknown),
                             pieces=" ".join(repr(p) for p in unknown[:20])))
        if not picked.tags or "instruction-tuned" not in picked.tags:
            notices.append(t("ins.notice.not_tuned", lang))
        ids = tok.encode(prompt)
        context = picked.model.cfg.context_length
        if len(ids) >= context:
            notices.append(t("samp.notice.cut", lang, n=len(ids), context=context - 1,
                             cut=len(ids) - context + 1))
            ids = ids[-(context - 1):]
        new_ids, last_shown = [], 0.0
        for idx_next in generate_stream(picked.model, torch.tensor([ids]), new_tokens, context,
                                        eos_id=tok.eos_id):
            new_ids.append(int(idx_next[0, 0]))
            if time.monotonic() - last_shown > 0.05:
                last_shown = time.monotonic()
                yield shown(tok.decode(new_ids), tok, simplified), notices_md(notices)
        yield shown(tok.decode(new_ids), tok, simplified), notices_md(notices)

    # ----- evaluation --------------------------------------------------------------
    @friendly
    def evaluate(self, request: gr.Request, learner, lang, choice, dataset_name, upload, n_items,
                 use_judge, judge_url, judge_model, judge_token):
        """Handler (streams): responses on the test split beside the references, scored."""
        n_items = read_in(TEST_ITEMS, n_items, t("ins.test_items", lang), lang)
        owner = learner_key(learner, request, lang)
        picked = resolve_model(self.registry, choice, owner, lang, kind="lm")
        dataset = load_dataset(dataset_name, upload, lang)
        _fits(picked.tokenizer, dataset, lang)
        rows, scores, judged = [], [], []
        for entry, (prompt, reference) in list(zip(dataset.entries_test, dataset.test))[:n_items]:
            ids = picked.tokenizer.encode(prompt)
            response = respond(picked.model, picked.tokenizer, ids, 100)
            f1 = word_overlap_f1(response, reference) if not dataset.tang else _char_f1(response, reference)
            scores.append(f1)
            judge_score = None
            if use_judge:
                try:
                    judge_score = score(judge_url, judge_model,
                                        judge_prompt(entry, response) if not dataset.tang else
                                        _tang_judge_prompt(entry, response), token=judge_token or None)
                    judged.append(judge_score)
                except JudgeError as err:
                    raise gr.Error(t("ins.err.judge", lang, reason=err)) from None
            rows.append((_short_prompt(prompt), reference, response, f1, judge_score))
            yield _evaluation_html(rows, lang), _evaluation_summary(scores, judged, lang)
        yield _evaluation_html(rows, lang), _evaluation_summary(scores, judged, lang)


def _char_f1(response: str, reference: str) -> float:
    """Word overlap for Chinese: characters are its words."""
    return word_overlap_f1(" ".join(response), " ".join(reference))


def _tang_judge_prompt(entry: dict, response: str) -> str:
    return (f"A poem titled `{entry['title']}` was written as `{response}`; a reference poem is "
            f"`{entry['output']}`. Score the written poem from 0 to 100 for form and fit to the "
            f"title. Respond with the integer number only.")


def _short_prompt(prompt: str, limit: int = 160) -> str:
    body = prompt.split("### Instruction:\n", 1)[-1].replace("\n\n### Response:\n", "")
    body = body.replace("\n\n### Input:\n", " · ")
    if "<INP>" in body:
        body = tang_title(body)
    return body if len(body) <= limit else body[:limit] + "…"


def _mask_table(tokenizer, inputs, targets, masked: bool, lang) -> str:
    title = t("ins.inspect_masked" if masked else "ins.inspect_full", lang)
    rows = []
    for b in range(inputs.shape[0]):
        rows.append(f'<tr><th colspan="3">{html.escape(t("ins.inspect_item", lang, n=b + 1))}</th></tr>')
        for pos in range(inputs.shape[1]):
            target = int(targets[b, pos])
            counted = target != -100
            style = "" if counted else "color:#9ca3af;background:#f3f4f6"
            shown_target = html.escape(_piece(tokenizer, target)) if counted else "−100"
            rows.append(f'<tr style="{style}"><td>{pos}</td><td>{html.escape(_piece(tokenizer, int(inputs[b, pos])))}</td>'
                        f'<td>{shown_target}</td></tr>')
    head = (f'<tr><th>#</th><th>{html.escape(t("ins.inspect_input", lang))}</th>'
            f'<th>{html.escape(t("ins.inspect_target", lang))}</th></tr>')
    return (f'<div class="mask-table" style="flex:1;min-width:280px;max-height:520px;overflow-y:auto">'
            f'<b>{html.escape(title)}</b><table style="width:100%;font-family:ui-monospace,monospace;'
            f'font-size:0.85em;border-collapse:collapse">{head}{"".join(rows)}</table></div>')


def _display(text: str, limit: int = 600) -> str:
    """A response as a table shows it: runs of blank lines folded, long ones cut."""
    import re
    text = re.sub(r"\n{3,}", "\n\n", text.strip())
    return text if len(text) <= limit else text[:limit] + "…"


def _responses_html(rows, lang) -> str:
    head = "".join(f"<th>{html.escape(t(k, lang))}</th>" for k in
                   ("ins.col_instruction", "ins.col_reference", "ins.col_response"))
    body = "".join(
        f'<tr><td>{html.escape(p)}</td><td class="text">{html.escape(_display(r))}</td>'
        f'<td class="text">{html.escape(_display(resp)) or "–"}'
        f'{"<br><small>" + html.escape(t("ins.at_step", lang, step=step)) + "</small>" if step else ""}</td></tr>'
        for p, r, resp, step in rows)
    return ('<div class="responses"><table style="width:100%;border-collapse:collapse;font-size:0.9em">'
            '<style>.responses td,.responses th{border-bottom:1px solid #e5e7eb;padding:4px 8px;'
            'vertical-align:top;text-align:left}.responses td.text{white-space:pre-wrap}</style>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def _evaluation_html(rows, lang) -> str:
    head = "".join(f"<th>{html.escape(t(k, lang))}</th>" for k in
                   ("ins.col_instruction", "ins.col_reference", "ins.col_response", "ins.col_f1",
                    "ins.col_judge"))
    body = "".join(
        f'<tr><td>{html.escape(p)}</td><td class="text">{html.escape(_display(r))}</td>'
        f'<td class="text">{html.escape(_display(resp))}</td><td>{f1:.2f}</td>'
        f'<td>{"–" if j is None else j}</td></tr>' for p, r, resp, f1, j in rows)
    return ('<div class="responses"><table style="width:100%;border-collapse:collapse;font-size:0.9em">'
            '<style>.responses td,.responses th{border-bottom:1px solid #e5e7eb;padding:4px 8px;'
            'vertical-align:top;text-align:left}.responses td.text{white-space:pre-wrap}</style>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def _evaluation_summary(scores, judged, lang) -> str:
    if not scores:
        return ""
    text = t("ins.eval_summary", lang, n=len(scores), f1=sum(scores) / len(scores))
    if judged:
        text += " " + t("ins.eval_judge", lang, score=sum(judged) / len(judged), n=len(judged))
    return text


def build(ctx: AppContext) -> None:
    tab, lang = InstructTab(ctx), ctx.ui_lang
    cfg0 = TRAINING["scratch"]
    with ctx.tab("instruct", "ins.tab", "ins.card") as page:
        gr.Markdown(t("ins.intro", lang))
        with gr.Row():
            dataset_radio = gr.Radio([(t(f"ins.data.{d}", lang), d) for d in DATASETS], value=BOOK,
                                     label=t("ins.dataset", lang))
            upload_file = gr.File(label=t("ins.upload", lang), file_types=[".json"], type="filepath")
        gr.Markdown(t("ins.inspect_title", lang))
        inspect_btn = gr.Button(t("ins.inspect", lang))
        inspect_md = gr.Markdown()
        inspect_out = gr.HTML()

        gr.Markdown(t("ins.train_title", lang))
        with gr.Row():
            with gr.Column(scale=1, min_width=320):
                base_picker = ModelPicker(ctx, label=t("spam.base", lang), info=t("ins.base_info", lang),
                                          extra=(("ins.base.scratch", SCRATCH),))
                mask_cb = gr.Checkbox(False, label=t("ins.mask", lang))
                steps_num, batch_sl, lr_num, seed_num = training_widgets(RANGES, cfg0, lang)
                start_btn, control_btns, download_files = tab.controls.buttons(lang, "spam.start")
                tab.controls.export_box(ctx, lang, api_prefix="instruct_")
            with gr.Column(scale=2):
                message_md = gr.Markdown()
                status_md = gr.Markdown(t("ins.no_job", lang))
                simplified_cb = gr.Checkbox(False, label=t("pre.simplified", lang))
                loss_plot = gr.Plot(label=t("plot.loss_title", lang))
                responses_out = gr.HTML()
        last_key = gr.State(None)
        timer = gr.Timer(1.0)

        gr.Markdown(t("ins.try_title", lang))
        chat_picker = ModelPicker(ctx, label=t("ins.chat_model", lang), info=t("ins.chat_info", lang))
        with gr.Row():
            instruction_box = gr.Textbox(t("ins.default_instruction", lang),
                                         label=t("ins.instruction", lang), lines=2, scale=3)
            input_box = gr.Textbox("", label=t("ins.input", lang), lines=2, scale=2)
        with gr.Row():
            new_tokens_sl = slider(NEW_TOKENS, t("ins.new_tokens", lang))
            chat_btn = gr.Button(t("ins.ask", lang), variant="primary")
        response_box = gr.Textbox(label=t("ins.response", lang), lines=6, interactive=False)
        chat_notice = gr.Markdown()

        gr.Markdown(t("ins.eval_title", lang))
        with gr.Row():
            test_items_sl = slider(TEST_ITEMS, t("ins.test_items", lang))
            judge_cb = gr.Checkbox(False, label=t("ins.use_judge", lang))
        with gr.Row():
            judge_url = gr.Textbox("http://localhost:11434/v1/chat/completions",
                                   label=t("ins.judge_url", lang), scale=3)
            judge_model = gr.Textbox("llama3", label=t("ins.judge_model", lang), scale=1)
            judge_token = gr.Textbox("", label=t("ins.judge_token", lang), type="password", scale=2)
        eval_btn = gr.Button(t("ins.evaluate", lang))
        eval_md = gr.Markdown()
        eval_out = gr.HTML()

        setup = dict(dataset=dataset_radio, upload=upload_file, base=base_picker.dropdown,
                     mask_instruction=mask_cb, steps=steps_num, batch=batch_sl, lr=lr_num,
                     seed=seed_num)
        ctx.link("dataset", dataset_radio, private=(UPLOAD,))
        for name in ("steps", "batch", "lr", "seed"):
            ctx.link(name, setup[name], getattr(RANGES, name))
        ctx.link("new_tokens", new_tokens_sl, NEW_TOKENS)
        ctx.link("n_items", test_items_sl, TEST_ITEMS)
        ctx.cascade(base_picker.dropdown, tab.on_base, [steps_num, batch_sl, lr_num])
        who = [ctx.learner, ctx.lang]
        inspect_inputs = [ctx.lang, dataset_radio, upload_file]
        inspect_btn.click(tab.inspect, inspect_inputs, [inspect_out, inspect_md],
                          api_name="instruct_inspect", concurrency_limit=4)
        started = start_btn.click(tab.start, who, message_md, inputs_kwargs=setup,
                                  api_name="instruct_start", concurrency_id="instruct-start",
                                  concurrency_limit=2)
        tab.controls.wire(ctx, control_btns, message_md, download_files, api_prefix="instruct_")
        poll_inputs = [*who, simplified_cb, last_key]
        poll_outputs = [loss_plot, status_md, responses_out, chat_picker.dropdown, last_key]
        tab.controls.wire_poll(timer, tab.tick, poll_inputs, poll_outputs, "instruct_poll",
                               wake=[started])
        gr.on([chat_btn.click, instruction_box.submit], tab.chat,
              [*who, chat_picker.dropdown, instruction_box, input_box, new_tokens_sl, simplified_cb],
              [response_box, chat_notice], api_name="instruct_chat",
              concurrency_id="instruct-generate", concurrency_limit=4)
        # Evaluations are long (every test item, maybe a judge): a group of their own, so
        # two of them never hold up anyone's chat.
        eval_btn.click(tab.evaluate, [*who, chat_picker.dropdown, dataset_radio, upload_file,
                                      test_items_sl, judge_cb, judge_url, judge_model, judge_token],
                       [eval_out, eval_md], api_name="instruct_evaluate",
                       concurrency_id="instruct-evaluate", concurrency_limit=2)
        base_picker.attach_refresh(page.select)
        chat_picker.attach_refresh(page.select)
        ctx.on_language(tab.tick, poll_inputs, poll_outputs)
        ctx.on_language(tab.inspect, inspect_inputs, [inspect_out, inspect_md],
                        when_shown=inspect_md)
