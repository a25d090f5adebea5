"""Tokenizers: GPT-2 BPE exact ids offline, round trips, the character tokenizer."""

import pytest

from core.corpora import tang_vocabulary
from core.tokenizer import (BPETokenizer, CharTokenizer, text_to_token_ids,
                            token_ids_to_text, token_pieces, tokenizer_from_spec)

SAMPLE = "Hello, do you like tea? <|endoftext|> In the sunlit terraces"
SAMPLE_IDS = [15496, 11, 466, 345, 588, 8887, 30, 220, 50256, 554, 262, 4252, 18250, 8812, 2114]
ROUND_TRIPS = ["床前明月光，疑是地上霜。", "emoji 🎉👩‍👩‍👧 done", "   runs\t\tof\n\n\n  space  ",
               "mixed 中文 and English", ""]


def test_gpt2_ids_are_exact_offline():
    tok = BPETokenizer()
    assert tok.encode(SAMPLE) == SAMPLE_IDS
    assert tok.n_vocab == 50257 and tok.eos_id == 50256
    assert tok.decode(SAMPLE_IDS) == SAMPLE


@pytest.mark.parametrize("text", ROUND_TRIPS)
def test_bpe_round_trip(text):
    tok = BPETokenizer()
    assert tok.decode(tok.encode(text)) == text


@pytest.mark.parametrize("text", ROUND_TRIPS)
def test_char_round_trip(text):
    tok = CharTokenizer.from_text("".join(ROUND_TRIPS))
    assert tok.decode(tok.encode(text)) == text


def test_char_vocabulary_is_sorted_with_eos():
    tok = CharTokenizer.from_text("banana")
    assert tok.chars == ["\0", "a", "b", "n"] and tok.eos_id == 0
    assert tok.encode("nab") == [3, 1, 2]


def test_unknown_characters_are_skipped_and_reported_or_refused():
    tok = CharTokenizer.from_text("abc")
    assert tok.encode("abxcy") == tok.encode("abc")
    assert tok.unknown_chars("abxcyx") == ["x", "y"]
    with pytest.raises(ValueError, match="not in the vocabulary"):
        tok.encode("abx", unknown="error")


def test_book_helpers():
    tok = BPETokenizer()
    ids = text_to_token_ids("Every effort moves you", tok)
    assert ids.shape == (1, 4)
    assert token_ids_to_text(ids, tok) == "Every effort moves you"


def test_byte_fragments_are_shown_as_bytes():
    pieces = token_pieces(BPETokenizer(), "你")
    assert b"".join(raw for _, _, raw in pieces) == "你".encode()
    assert any(shown.startswith("<e4") for _, shown, _ in pieces)


def test_spec_round_trip():
    char = CharTokenizer.from_text("hello")
    assert tokenizer_from_spec(char.to_spec()).chars == char.chars
    assert tokenizer_from_spec(BPETokenizer().to_spec()).encode("hi") == BPETokenizer().encode("hi")
    with pytest.raises(ValueError, match="not a tokenizer"):
        tokenizer_from_spec({"type": "sentencepiece"})


@pytest.mark.parametrize("bad", [[50257], [-1]])
def test_out_of_range_ids_are_refused(bad):
    with pytest.raises(ValueError, match="outside the vocabulary"):
        BPETokenizer().decode(bad)
    with pytest.raises(ValueError, match="outside the vocabulary"):
        CharTokenizer.from_text("ab").decode([99] if bad[0] > 0 else bad)


def test_non_text_is_refused():
    with pytest.raises(TypeError, match="expected text"):
        BPETokenizer().encode(b"bytes")


def test_full_tang_corpus_gives_8548_characters(data_dir):
    vocab = tang_vocabulary()
    assert len(vocab) == 8548
    assert vocab[0] == "\0" and vocab == sorted(vocab)


def test_subset_bpe_splits_like_gpt2_with_a_small_vocabulary():
    from core.tokenizer import SubsetBPETokenizer
    corpus = "the cat sat on the mat. the end"
    tok = SubsetBPETokenizer.from_text(corpus)
    full = BPETokenizer()
    assert tok.n_vocab == len(set(full.encode(corpus))) + 1      # + <|endoftext|>
    assert tok.decode(tok.encode(corpus)) == corpus
    assert tok.to_gpt2_ids(tok.encode("the mat")) == full.encode("the mat")
    assert tok.unknown_pieces("the dog") == [" dog"]
    assert tok.unknown_pieces("the 你好 the 🎉") == [" 你好", " 🎉"]
    assert tok.decode(tok.encode("the dog")) == "the"
    assert tokenizer_from_spec(tok.to_spec()).gpt2_ids == tok.gpt2_ids
