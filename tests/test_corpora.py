"""Corpora: the embedded copies, local copies, the cache, checksums, clear messages, the
Tang recipe."""

import hashlib
import json
import lzma
import re

import pytest

import core.corpora as corpora
from core.corpora import (CORPORA, DATASETS, CorpusUnavailable, check_user_text, corpus_path,
                          dataset_path, decode_upload, embedded_path, load_corpus, tang_parts)
from core.tokenizer import ASSETS

EVERY_FILE = [*CORPORA.values(), *DATASETS.values()]


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No data folder and an empty cache: only what ships with the app."""
    monkeypatch.delenv("LLM_PLAYGROUND_DATA", raising=False)
    monkeypatch.setenv("LLM_PLAYGROUND_CACHE", str(tmp_path / "cache"))
    corpora._load_text.cache_clear()
    return tmp_path / "cache"


@pytest.mark.parametrize("data", EVERY_FILE, ids=lambda d: d.name)
def test_every_file_ships_and_matches_its_published_checksum(offline, data):
    path = corpora.file_path(data)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == data.sha256
    assert path.is_relative_to(offline)


def test_embedded_corpora_read_as_the_sources_do(offline):
    text = load_corpus("the-verdict")
    assert len(text) == 20479 and text.startswith("I HAD always thought Jack Gisburn")
    assert load_corpus("tiny-shakespeare").startswith("First Citizen:")
    assert len(dataset_path("sms-spam").read_text(encoding="utf-8").splitlines()) == 5574


@pytest.mark.parametrize("data", EVERY_FILE, ids=lambda d: d.name)
def test_assets_readme_gives_each_file_its_licence_and_checksum(data):
    readme = (ASSETS / "README.md").read_text(encoding="utf-8")
    row = next((line for line in readme.splitlines()
                if f"`{embedded_path(data).relative_to(ASSETS)}`" in line), None)
    assert row is not None, f"assets/README.md does not list {data.relpath}.xz"
    assert data.sha256 in row and re.search(r"licen|public domain|CC BY|MIT|Apache", row)


def test_the_cache_is_decompressed_once(offline, monkeypatch):
    first = corpus_path("tiny-shakespeare")

    def no_second_time(*args):
        raise AssertionError("the cached copy should have been used")
    monkeypatch.setattr(corpora, "_decompress", no_second_time)
    assert corpus_path("tiny-shakespeare") == first


def test_a_damaged_cache_copy_is_replaced(offline):
    damaged = offline / "tinyshakespeare" / "input.txt"
    damaged.parent.mkdir(parents=True)
    damaged.write_text("not shakespeare")
    assert load_corpus("tiny-shakespeare").startswith("First Citizen:")


def test_a_damaged_data_folder_copy_is_refused(offline, monkeypatch, tmp_path):
    folder = tmp_path / "data"
    (folder / "tinyshakespeare").mkdir(parents=True)
    (folder / "tinyshakespeare" / "input.txt").write_text("not shakespeare")
    monkeypatch.setenv("LLM_PLAYGROUND_DATA", str(folder))
    with pytest.raises(CorpusUnavailable, match="does not match") as info:
        corpus_path("tiny-shakespeare")
    assert info.value.problem == "damaged" and info.value.name == "tiny-shakespeare"


def test_a_damaged_embedded_copy_is_refused(offline, monkeypatch, tmp_path):
    fake = tmp_path / "assets"
    (fake / "tang").mkdir(parents=True)
    (fake / "tang" / "data.json.xz").write_bytes(lzma.compress(b"[]"))
    monkeypatch.setattr(corpora, "ASSETS", fake)
    with pytest.raises(CorpusUnavailable) as info:
        corpus_path("tang")
    assert info.value.problem == "damaged"


def test_a_missing_file_says_what_and_what_to_do(offline, monkeypatch, tmp_path):
    monkeypatch.setattr(corpora, "ASSETS", tmp_path / "no-assets")
    with pytest.raises(CorpusUnavailable) as info:
        dataset_path("sms-spam")
    err = info.value
    assert (err.problem, err.name, err.relpath) == ("missing", "sms-spam",
                                                   "sms_spam/SMSSpamCollection.tsv")
    assert "LLM_PLAYGROUND_DATA" in str(err) and "Reinstall" in str(err)


def test_data_folder_copies_are_used(data_dir):
    assert corpus_path("tiny-shakespeare").parent == data_dir / "tinyshakespeare"


def test_tang_pretraining_text_follows_the_tutorial(data_dir):
    poems = json.loads((data_dir / "tang" / "test_data.json").read_text(encoding="utf-8"))
    parts = tang_parts(poems)
    first = parts["pretrain"].split("\n\n")[0].split("\n")
    assert len(parts["pretrain"].split("\n\n")) == len(poems) // 2
    assert any(p["title"] == first[0] and p["paragraphs"] == first[1:] for p in poems)
    assert parts["instructions"][0].startswith("<INS>請用以下題目寫一首詩<INP>")
    assert "\0" in parts["vocabulary"] and parts["vocabulary"] == sorted(parts["vocabulary"])


@pytest.mark.parametrize("text, message", [
    ("", "too short"), ("a", "too short"), ("ab\x00cd", "binary"), (None, "string")])
def test_bad_user_text(text, message):
    with pytest.raises(ValueError, match=message):
        check_user_text(text)


def test_uploads_must_be_small_utf8_text():
    assert decode_upload("héllo wörld".encode()) == "héllo wörld"
    with pytest.raises(ValueError, match="not UTF-8"):
        decode_upload(bytes(range(256)))
    with pytest.raises(ValueError, match="too large"):
        decode_upload(b"a" * 101, max_bytes=100)
