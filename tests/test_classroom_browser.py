"""The classroom features in a real browser: the 中文 / English switch changes a built page
in place and keeps a running job and typed text; a workshop link sets the tab, corpus,
preset and sliders (the corpus → preset → sliders cascade does not overwrite them) and bad
values fall back with a notice; the copy button writes the link; a Chinese browser opens
the page in Chinese on the Tang story."""

from __future__ import annotations

import re

import pytest

from browser import open_page, outside_requests, save_screenshot
from playground.i18n import t

pytestmark = [pytest.mark.browser, pytest.mark.slow]
# A generous bound on every wait: a hang guard on a shared 2-core machine, not a timing.
WAIT_MS = 180_000


def _tab(page, key, lang):
    return page.get_by_role("tab", name=t(key, lang), exact=True).first


def _wait_ready(page, lang="en", tab_key="pre.tab"):
    """The page's load event has answered: it opened the link's tab (every link here names
    one that is not the first) and set the language, in one update."""
    page.wait_for_function(
        """([title, lang]) => {
             const on = document.querySelector('#language-switch input:checked');
             return on && on.value === lang
               && [...document.querySelectorAll('button[role=tab][aria-selected=true]')]
                    .some(b => b.offsetParent !== null && b.innerText.trim() === title); }""",
        arg=[t(tab_key, lang), lang], timeout=WAIT_MS)


def test_the_switch_changes_the_page_in_place_and_keeps_the_job_and_typed_text(live_app):
    url = live_app + "?tab=pretrain&preset=tiny&steps=100000"
    with open_page(url, viewport=(1400, 1000), timeout_ms=WAIT_MS) as (page, requests):
        _wait_ready(page)
        page.get_by_role("button", name=t("pre.start", "en"), exact=True).click()
        running = re.compile(r"training.*step ([\d,]+)")
        page.get_by_text(running).first.wait_for(timeout=WAIT_MS)
        step_before = int(running.search(page.get_by_text(running).first.inner_text())
                          .group(1).replace(",", ""))
        _tab(page, "tok.tab", "en").click()
        page.get_by_label(t("tok.text", "en"), exact=True).fill("my own words stay")

        page.locator("#language-switch").get_by_text("中文", exact=True).click()
        _tab(page, "pre.tab", "zh").wait_for(timeout=WAIT_MS)
        # labels, choices and static text switched in place; the typed text is still there
        assert page.get_by_label(t("tok.text", "zh"), exact=True).input_value() == \
            "my own words stay"
        page.get_by_role("button", name=t("tok.run", "zh"), exact=True).wait_for()
        assert page.get_by_text(t("tok.tab", "en"), exact=True).count() == 0
        # the job kept training: its status is in Chinese and its step went on
        _tab(page, "pre.tab", "zh").click()
        zh_running = re.compile(r"训练中.*第 ([\d,]+) /")
        page.get_by_text(zh_running).first.wait_for(timeout=WAIT_MS)
        page.wait_for_function(
            """(before) => [...document.querySelectorAll('.prose')].some(e => {
                   const m = e.innerText.match(/训练中.*第 ([\\d,]+) \\//);
                   return m && parseInt(m[1].replace(/,/g, '')) > before; })""",
            arg=step_before, timeout=WAIT_MS)
        page.get_by_text(t("plot.loss_title", "zh")).first.wait_for()
        save_screenshot(page, "switch-running-job-zh.png")

        # the copy button writes the current setup into a link, shown in a box
        page.get_by_role("button", name=t("link.button", "zh")).click()
        link = page.wait_for_function(
            """() => [...document.querySelectorAll('textarea')].map(e => e.value)
                     .find(v => v.includes('tab=pretrain'))""", timeout=WAIT_MS).json_value()
        page.get_by_text(t("link.box", "zh")).first.wait_for()
        assert "tab=pretrain" in link and "lang=zh" in link and "preset=tiny" in link

        page.locator("#language-switch").get_by_text("English", exact=True).click()
        _tab(page, "pre.tab", "en").wait_for(timeout=WAIT_MS)
        page.get_by_text(running).first.wait_for(timeout=WAIT_MS)
        save_screenshot(page, "switch-running-job-en.png")
        page.get_by_role("button", name=t("pre.stop", "en"), exact=True).first.click()
        page.get_by_text(t("pre.did_stop", "en")).first.wait_for(timeout=WAIT_MS)
        assert outside_requests(requests) == []


def test_a_link_sets_the_setup_and_bad_values_fall_back_with_a_notice(live_app):
    url = live_app + ("?tab=pretrain&corpus=tang&preset=tang-tutorial&layers=3&emb=100"
                      "&foo=1&lang=en")
    with open_page(url, viewport=(1400, 1000), timeout_ms=WAIT_MS) as (page, _):
        _wait_ready(page)
        page.get_by_text(re.compile("emb = “100”")).wait_for(timeout=WAIT_MS)
        page.get_by_text(re.compile("“foo”")).wait_for()
        # the Tang corpus's setup has been described (its 8,548-character vocabulary), so
        # every change event has run: the link's preset and layers are still there
        page.get_by_text(re.compile("vocabulary 8,548")).wait_for(timeout=WAIT_MS)
        assert page.get_by_label(t("pre.preset", "en")).input_value() == \
            t("preset.tang-tutorial", "en")
        page.get_by_text(t("pre.settings", "en")).click()
        layers = page.get_by_label(f"number input for {t('pre.layers', 'en')}")
        assert layers.input_value() == "3"
        emb = page.get_by_label(f"number input for {t('pre.emb', 'en')}")
        assert emb.input_value() == "64"            # the preset's, since 100 fell back
        save_screenshot(page, "link-pretrain-en.png")


def test_a_chinese_browser_opens_in_chinese_on_the_tang_story_and_keeps_a_choice(live_app):
    with open_page(live_app + "?tab=pretrain", locale="zh-CN", timeout_ms=WAIT_MS) as (page, _):
        _wait_ready(page, "zh")
        assert page.get_by_label(t("pre.corpus", "zh")).input_value() == t("corpus.tang-five", "zh")
        page.get_by_text(t("pre.no_job_yet", "zh")).first.wait_for(timeout=WAIT_MS)
        assert page.get_by_text(t("pre.no_job_yet", "en")).count() == 0
        # the learner's own choice is kept in the browser and beats Accept-Language
        page.locator("#language-switch").get_by_text("English", exact=True).click()
        _tab(page, "pre.tab", "en").wait_for(timeout=WAIT_MS)
        page.reload(wait_until="domcontentloaded")
        _wait_ready(page, "en")
        page.get_by_text(t("pre.no_job_yet", "en")).first.wait_for(timeout=WAIT_MS)
