"""The tokenizer: its definition on examples, and the fast corpus path equal to it."""
from __future__ import annotations

import pytest

from lthkit.data.readers import READERS
from lthkit.data.tokenize import Corpus, tokenize, tokenize_corpus

from .conftest import MIRROR, needs_mirror

EDGE_CASES = [
    "",
    "   \n\t ",
    "Once again Mr. Costner has dragged out a movie. Aside from that, fine.",
    "It's not that I don't like it -- I can't stand it!!! Really?",
    '"Quoted," she said. "Yes." (And then.) [Brackets.] The end.',
    "''Wallace & Gromit'' was fun... wasn't it? e.g. this, and U.S. troops.",
    "Prices: $3.88 (roughly 3,36 euros) in New York.  Please\nbuy me\ntwo of them.\nThanks.",
    "Unicode “curly quotes.” and ‘single’ and » guillemets « and — dashes – here.",
    "a\x01b control \x1f chars\x85 and non\xa0breaking spaces. End.",
    "Trailing period at end.",
    "gonna wanna gimme cannot 'tis 'twas more'n d'ye lemme gotta",
    "lots of dots.... and . lone . periods .",
    "Tabs\tand\r\nCRLF line ends.\r\nNext line.",
]


def test_definition_examples():
    assert tokenize("Hello world. This is it.") == ["hello", "world", ".", "this", "is", "it", "."]
    assert tokenize("Don't stop") == ["do", "n't", "stop"]
    assert tokenize("Mr. Smith") == ["mr", ".", "smith"]
    assert tokenize("A second\nline") == ["a", "second", "line"]
    assert tokenize('He said "go."') == ["he", "said", "``", "go", ".", "''"]
    assert tokenize("''Wallace'' rocks") == ["``", "wallace", "''", "rocks"]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_fast_path_equals_definition_on_edge_cases(text):
    assert tokenize_corpus([text]).doc(0) == tokenize(text)


def test_fast_path_equals_definition_across_documents():
    corpus = tokenize_corpus(EDGE_CASES)  # chunks shared between documents
    for i, text in enumerate(EDGE_CASES):
        assert corpus.doc(i) == tokenize(text)
    assert tokenize_corpus([]).ids.size == 0


@needs_mirror
@pytest.mark.parametrize("name, files, step", [
    ("imdb", {"imdb.jsonl.xz": MIRROR / "imdb/imdb.jsonl.xz"}, 100),
    ("ag_news", {"test.csv": MIRROR / "ag_news/test.csv"}, 25),
    ("20newsgroups", {"a": MIRROR / "20newsgroups/20news-bydate.tar.xz"}, 60),
])
def test_fast_path_equals_definition_on_real_samples(name, files, step):
    texts = READERS[name](files).texts[::step]  # 300-500 documents of each corpus
    corpus = tokenize_corpus(texts)
    mismatches = [i for i, text in enumerate(texts) if corpus.doc(i) != tokenize(text)]
    assert mismatches == []


def test_corpus_round_trip_through_arrays():
    corpus = tokenize_corpus(EDGE_CASES)
    back = Corpus.from_arrays(corpus.to_arrays())
    assert back.tokens == corpus.tokens
    assert [back.doc(i) for i in range(len(EDGE_CASES))] == \
        [corpus.doc(i) for i in range(len(EDGE_CASES))]
    assert all(" " not in t and "\n" not in t for t in corpus.tokens)
