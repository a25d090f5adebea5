"""The Pretrain tab as a learner drives it, for the browser test and the story scripts:
choose a text, (optionally) a seed, press Start, and read what the page shows: the
status line (step, tokens/s, validation loss) and the samples table. Works in English
and in Chinese: every label comes from the string catalogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playground.i18n import t


@dataclass
class PageReading:
    """What the page shows at one moment."""

    step: int | None
    elapsed_s: float | None      # the trainer's own clock (pauses excluded)
    val_loss: float | None
    newest_step: int | None      # the step of the newest samples
    newest: list[str]            # the newest step's samples, one per prompt, in prompt order
    status: str


def choose_story(page, corpus: str, lang: str = "en", seed: int | None = None) -> None:
    """Pick a training text (its story sets the widgets) and, optionally, the seed."""
    page.get_by_role("tab", name=t("pre.tab", lang)).click()
    page.get_by_label(t("pre.corpus", lang)).click()
    page.get_by_role("option", name=t(f"corpus.{corpus}", lang), exact=True).click()
    # The story's settings arrive in the widgets (its preset, then the preset's sizes):
    # wait until the setup line shows the story's model.
    page.get_by_text(f"{story_parameters(corpus):,}", exact=False).first.wait_for()
    if seed is not None:
        page.get_by_text(t("pre.settings", lang)).first.click()
        box = page.get_by_label(t("pre.seed", lang))
        box.fill(str(seed))
        box.press("Tab")


def story_parameters(corpus: str) -> int:
    """The parameter count of a story's model, as the setup line shows it."""
    from core.corpora import load_corpus
    from core.estimates import count_model_parameters
    from core.pretraining import model_config_for, story_for, tokenizer_for
    vocab = tokenizer_for(corpus, "auto", load_corpus(corpus)).n_vocab
    return count_model_parameters(model_config_for(story_for(corpus).preset, vocab))


def press_start(page, lang: str = "en") -> None:
    page.get_by_role("button", name=t("pre.start", lang), exact=True).click()


def press_stop(page, lang: str = "en") -> None:
    page.get_by_role("button", name=t("pre.stop", lang), exact=True).click()
    page.get_by_text(t("pre.did_stop", lang)).wait_for()


def _number(pattern: str, text: str) -> float | None:
    found = re.search(pattern, text)
    return float(found.group(1).replace(",", "")) if found else None


def _seconds(clock: str | None) -> float | None:
    if not clock:
        return None
    seconds = 0.0
    for part in clock.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds


def read_page(page) -> PageReading:
    """The status and the newest samples, as the page shows them now."""
    status = page.evaluate("""() => [...document.querySelectorAll('.prose, .md')]
        .map(e => e.innerText).filter(s => /tokens\\/s|词元\\/秒/.test(s)).join('\\n')""")
    rows = page.evaluate("""() => [...document.querySelectorAll('.samples tbody tr')].map(r =>
        [...r.querySelectorAll('td')].map(td => td.innerText))""")
    step = _number(r"(?:step|第) ([\d,]+)", status)
    clock = re.search(r"(?:elapsed|已用) ([\d:]+)", status)
    newest_step = int(rows[0][0].replace(",", "")) if rows else None
    newest = [text for step_text, _, text in rows if int(step_text.replace(",", "")) == newest_step]
    return PageReading(
        step=int(step) if step is not None else None,
        elapsed_s=_seconds(clock.group(1) if clock else None),
        val_loss=_number(r"(?:validation|验证) ([\d.]+)", status),
        newest_step=newest_step, newest=newest, status=status)


def as_written(poem: str) -> str:
    """A poem as the page shows it, with the blank line that ended it: the page drops a
    sample's closing blank line, so a poem whose last line closes a clause (。？！) had
    reached it; one cut by the sample's length has not (core.poetry.poem_lines then
    leaves out its unfinished last line)."""
    from core.poetry import POEM_END
    return poem + POEM_END if poem.rstrip("\n").endswith(("。", "？", "！")) else poem
