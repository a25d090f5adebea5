"""The alignment tab in a headless Chromium, as a learner clicks through it: a Tang model
instruction-tuned in the page, aligned, and its before/after view in both languages
(screenshots in test-output/align-before-after-{en,zh}.png)."""

from __future__ import annotations

import pytest

from browser import open_page, outside_requests, save_screenshot
from playground.i18n import t


def _visible(locator):
    return locator.locator("visible=true").first


def _set_number(page, label: str, value) -> None:
    box = _visible(page.get_by_label(label, exact=True))
    box.fill(str(value))
    box.press("Tab")


@pytest.mark.slow
@pytest.mark.browser
def test_before_and_after_in_both_languages(live_app, data_dir):
    with open_page(f"{live_app}?lang=en", viewport=(1400, 1000), timeout_ms=600_000) as (page, requests):
        # 1. a Tang model, instruction-tuned in the page for two steps
        page.get_by_role("tab", name=t("ins.tab", "en"), exact=True).first.click()
        _visible(page.get_by_label(t("ins.data.tang", "en"), exact=True)).check()
        _set_number(page, t("spam.steps", "en"), 2)
        _visible(page.get_by_role("button", name=t("spam.start", "en"), exact=True)).click()
        page.get_by_text(t("pre.state.finished", "en", step=2).replace("**", "")).first.wait_for()

        # 2. the alignment tab picks it; the pairs; a short run
        page.get_by_role("tab", name=t("dpo.tab", "en"), exact=True).first.click()
        _visible(page.get_by_role("button", name=t("dpo.show_pairs", "en"), exact=True)).click()
        page.locator(".dpo-pairs").first.wait_for()
        _set_number(page, t("spam.steps", "en"), 6)
        _visible(page.get_by_role("button", name=t("dpo.start", "en"), exact=True)).click()
        page.get_by_text(t("pre.state.finished", "en", step=6).replace("**", "")).first.wait_for()
        assert page.get_by_text("DPO loss").first.is_visible()

        # 3. before / after, then the same view in Chinese
        _visible(page.get_by_role("button", name=t("dpo.compare", "en"), exact=True)).click()
        page.locator(".dpo-before-after").first.wait_for()
        page.locator(".dpo-before-after").first.scroll_into_view_if_needed()
        save_screenshot(page, "align-before-after-en.png")
        page.locator("#language-switch").get_by_text("中文", exact=True).click()
        page.get_by_text(t("dpo.col_before", "zh"), exact=True).first.wait_for()
        page.get_by_text("对齐前 ").first.wait_for()               # the summary, redrawn in Chinese
        save_screenshot(page, "align-before-after-zh.png")
        assert not outside_requests(requests)
