"""Words of a text (core/words.py): how the Shakespeare story's samples are scored."""

from core.words import word_share, words_of, written_words

TEXT = "ROMEO:\nBut soft, what light through yonder window breaks? 'Tis the king's o'er."


def test_words_are_letter_runs_with_inner_apostrophes_case_ignored():
    assert words_of("But soft, WHAT light: king's o'er 'tis 3 x-ray") == [
        "but", "soft", "what", "light", "king's", "o'er", "tis", "x", "ray"]


def test_word_share_counts_words_of_the_text_after_the_prompt():
    known = set(words_of(TEXT))
    sample = "ROMEO:\nBut soft, thay window breaks\n"
    assert word_share(sample, known, "ROMEO:\n") == (4, 5)      # "thay" is not a word of it
    assert word_share(sample, known) == (5, 6)                  # without the prompt: ROMEO counts


def test_a_word_cut_by_the_samples_length_is_left_out():
    assert written_words("ROMEO:\nBut soft, wha", "ROMEO:\n") == ["but", "soft"]
    assert written_words("ROMEO:\nBut soft, what.", "ROMEO:\n") == ["but", "soft", "what"]
    assert word_share("ROMEO:\n", set(), "ROMEO:\n") == (0, 0)
