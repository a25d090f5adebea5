"""Corpora: local copies, the cache, checksums, offline messages, the Tang recipe."""

import json

import pytest

import core.corpora as corpora
from core.corpora import (CorpusUnavailable, check_user_text, corpus_path, decode_upload,
                          load_corpus, tang_parts)


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No data folder, an empty cache, and every source URL pointing at a closed port."""
    monkeypatch.delenv("LLM_PLAYGROUND_DATA", raising=False)
    monkeypatch.setenv("LLM_PLAYGROUND_CACHE", str(tmp_path / "cache"))
    for name, corpus in list(corpora.CORPORA.items()):
        monkeypatch.setitem(corpora.CORPORA, name, corpus.__class__(
            **{**corpus.__dict__, "url": f"http://127.0.0.1:9/{corpus.relpath}"}))
    corpora._load_text.cache_clear()
    return tmp_path / "cache"


def test_embedded_default_works_with_no_network(offline):
    text = load_corpus("the-verdict")
    assert len(text) == 20479 and text.startswith("I HAD always thought Jack Gisburn")


def test_cache_hit_needs_no_network(offline, data_dir, monkeypatch):
    (offline / "tinyshakespeare").mkdir(parents=True)
    (offline / "tinyshakespeare" / "input.txt").write_bytes(
        (data_dir / "tinyshakespeare" / "input.txt").read_bytes())

    def no_network(*args, **kwargs):
        raise AssertionError("the cache should have been used")
    monkeypatch.setattr(corpora, "_download", no_network)
    assert load_corpus("tiny-shakespeare").startswith("First Citizen:")


def test_checksum_mismatch_is_refused(offline):
    (offline / "tinyshakespeare").mkdir(parents=True)
    (offline / "tinyshakespeare" / "input.txt").write_text("not shakespeare")
    with pytest.raises(CorpusUnavailable, match="does not match"):
        corpus_path("tiny-shakespeare")


def test_missing_offline_gives_the_clear_message(offline):
    with pytest.raises(CorpusUnavailable) as info:
        corpus_path("tang")
    message = str(info.value)
    assert "tang" in message and "127.0.0.1:9/tang/data.json" in message
    assert "LLM_PLAYGROUND_DATA" in message and "tang/data.json" in message
    assert not (offline / "tang" / "data.json").exists()


def test_download_of_wrong_bytes_is_refused(offline, monkeypatch):
    import pooch

    def fake_retrieve(url, known_hash, fname, path, progressbar):
        raise ValueError("SHA256 hash of downloaded file does not match")
    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    with pytest.raises(CorpusUnavailable, match="checksum"):
        corpus_path("tiny-shakespeare")


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
