"""The instructor page as `python app.py` serves it: absent without the token, a plain
refusal for a wrong one, its own page and API (never in the learners'), and with the
right token it lists, pauses and stops a learner's job without showing their key."""

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from gradio_client import Client

from conftest import launch_app, start_kwargs, stop_app
from playground.i18n import t

TOKEN = "room-token-for-tests"
LEARNER = "learner-key-never-shown-01"
TINY = ["the-verdict", "", None, "auto", "tiny", 2, 2, 32, 16, 8]
INSTRUCTOR_APIS = ("/room", "/pause_all", "/stop_all", "/mark_class", "/start_class")


def fetch(url: str, data: dict | None = None, cookies: str = "") -> tuple[int, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Cookie": cookies} if cookies else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


@pytest.fixture(scope="module")
def room_app(tmp_path_factory):
    proc, url = launch_app(tmp_path_factory.mktemp("room") / "app.log",
                           tmp_path_factory.mktemp("roomcache"),
                           LLM_PLAYGROUND_INSTRUCTOR_TOKEN=TOKEN)
    yield url
    stop_app(proc)


def follow_box_visible(url: str) -> bool:
    """Whether the learners' Pretrain tab shows "Follow the class run"."""
    config = json.loads(fetch(url + "config")[1])
    boxes = [c["props"] for c in config["components"]
             if c.get("props", {}).get("label") == t("class.follow", "en")]
    assert len(boxes) == 1
    return boxes[0].get("visible", True) is not False


def test_no_instructor_page_without_the_token(live_app):
    for path in ("instructor/", "instructor/config", "instructor/gradio_api/info"):
        status, _ = fetch(live_app + path)
        assert status == 404, path
    assert not follow_box_visible(live_app)          # no instructor, no class run to follow


@pytest.mark.slow
def test_a_wrong_token_is_refused_plainly(room_app):
    status, body = fetch(room_app + "instructor/login", {"username": "x", "password": "wrong"})
    assert status in (400, 401) and "incorrect" in body.lower()
    assert fetch(room_app + "instructor/config")[0] == 401
    assert fetch(room_app + "instructor/gradio_api/info")[0] == 401
    # The page itself answers, with Gradio's login form (the token goes in its body).
    assert fetch(room_app + "instructor/")[0] == 200


@pytest.mark.slow
def test_the_learners_app_lists_nothing_of_the_instructors(room_app):
    _, info = fetch(room_app + "gradio_api/info")
    _, config = fetch(room_app + "config")
    assert "/tokenize" in info                                  # the learners' own API
    assert follow_box_visible(room_app)
    for name in INSTRUCTOR_APIS:
        assert f'"{name}"' not in info and f'"{name[1:]}"' not in config
    for lang in ("en", "zh"):
        assert t("room.title", lang) not in config and t("room.summary", lang)[:10] not in config


@pytest.mark.slow
def test_the_right_token_lists_pauses_and_stops_a_job_and_shows_no_key(room_app):
    learner = Client(room_app, verbose=False)
    learner.predict(LEARNER, **start_kwargs(*TINY, 100_000, 3e-3, 1, "", False),
                    api_name="/start")
    room = Client(room_app + "instructor/", auth=("teacher", TOKEN), verbose=False)
    assert set(INSTRUCTOR_APIS) <= set(room.view_api(return_format="dict")["named_endpoints"])
    deadline = time.monotonic() + 120
    while True:
        summary, table, class_md, choices = room.predict(None, api_name="/room")
        if "training" in table or time.monotonic() > deadline:
            break
        time.sleep(1)
    everything = json.dumps([summary, table, class_md, choices], ensure_ascii=False)
    assert LEARNER not in everything
    labels = re.findall(r"<td>(#[0-9a-f]{6})</td>", table)
    assert len(labels) == 1 and "training" in table
    assert labels[0] in room.predict(labels[0], api_name="/pause")
    assert "paused" in room.predict(None, api_name="/room")[1]
    assert "stopped" in room.predict(labels[0], api_name="/stop").lower()
    status = learner.predict(LEARNER, False, False, api_name="/poll")[1]
    assert "stopped" in status


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_screenshot_of_the_instructor_view(room_app, lang):
    """Log in through the form as an instructor would; the table shows a training job
    with its curve, in the page's language (test-output/instructor-<lang>.png)."""
    from browser import open_page, save_screenshot
    learner = Client(room_app, verbose=False)
    learner.predict(f"{LEARNER}-{lang}", **start_kwargs(*TINY, 100_000, 3e-3, 2, "", False),
                    api_name="/start")
    locale = "zh-CN" if lang == "zh" else "en-US"       # the page follows the browser
    with open_page(room_app + "instructor/", viewport=(1280, 1000), locale=locale) as (page, _):
        page.fill("input[type=password]", TOKEN)
        page.locator("input:not([type=password])").first.fill("teacher")
        page.locator("button").first.click()
        page.wait_for_selector("table.room-jobs svg", timeout=120_000)
        page.wait_for_selector(f"text={t('room.col.curve', lang)}", timeout=30_000)
        save_screenshot(page, f"instructor-{lang}.png")
        text = page.inner_text("body")
    assert LEARNER not in text
    assert t("room.title", lang) in text and t("room.class_title", lang) in text
