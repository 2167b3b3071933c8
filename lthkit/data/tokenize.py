"""Word tokenization: NLTK's word tokenizer, without the sentence-splitter model it needs.

``nltk.word_tokenize`` first splits text into sentences with the Punkt model (the
``punkt_tab`` download, unavailable offline), then runs ``NLTKWordTokenizer`` on each
sentence. The sentence split matters: that tokenizer separates a period only at the end
of its input, so "necessary. Aside" would keep the token "necessary.".

lthkit's definition, ``tokenize``: lowercase and collapse whitespace; split sentences
after a period (plus any closing brackets or quotes) that is followed by whitespace and
not part of an ellipsis; run ``NLTKWordTokenizer`` on each sentence, preceded by a space.
Like Punkt without its trained abbreviation list, this splits "mr. smith" into "mr",
".", "smith". (The leading space removes an NLTK quirk: ``''`` at the very start of a
string is read as a closing quote, elsewhere after a space as an opening one.)

The fast path, ``tokenize_corpus``, exploits that every NLTK rule acts within one
whitespace-delimited chunk and its neighbouring spaces: it tokenizes each distinct chunk
of the corpus once (all of them in a single NLTK call, with a separator between chunks)
and assembles documents from those pieces with numpy. On IMDb's 50,000 reviews that is
about 10x faster than tokenizing document by document; ``benchmarks/bench_tokenize.py
--verify`` checks that both give identical tokens on every document of a corpus.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from nltk.tokenize import NLTKWordTokenizer

from .errors import DataError

TOKENIZER_VERSION = "nltkword-sentences-lower-2"  # part of every text cache key

_WORD = NLTKWordTokenizer()
_CLOSERS = "\\]\\)}>\"'\u00bb\u201d\u2019"  # what may follow a sentence's final period
# NLTKWordTokenizer's end-of-input period rule, applied wherever a sentence ends.
_SENTENCE_PERIOD = re.compile(r"([^.])(\.)([" + _CLOSERS + r"]*)(?=\s)")
_SENTENCE_END = re.compile(r"[^.]\.[" + _CLOSERS + r"]*(?=\s)")
_SEP = "\x01"  # chunk separator in the batched call; removed from the text beforehand


def normalize(text: str) -> str:
    """Lowercase ``text`` and collapse each whitespace run to one space."""
    return " ".join(text.lower().replace(_SEP, " ").split())


def split_sentences(text: str) -> list[str]:
    """Split after each period (+ closing brackets/quotes) followed by whitespace."""
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        pieces.append(text[start:match.end()])
        start = match.end()
    pieces.append(text[start:])
    return pieces


def tokenize(text: str) -> list[str]:
    """Lowercased NLTK word tokens of ``text``, sentence by sentence (the definition)."""
    return [token for sentence in split_sentences(normalize(text))
            for token in _WORD.tokenize(" " + sentence)]


@dataclass
class Corpus:
    """Tokenized documents: document i is ``ids[offsets[i]:offsets[i+1]]``, ids index ``tokens``."""

    tokens: list[str]
    ids: np.ndarray  # int32, all documents' token ids back to back
    offsets: np.ndarray  # int64, len(documents) + 1

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def doc(self, i: int) -> list[str]:
        return [self.tokens[t] for t in self.ids[self.offsets[i]:self.offsets[i + 1]]]

    def to_arrays(self) -> dict[str, np.ndarray]:
        # Tokens never contain whitespace, so a newline-joined UTF-8 blob stores them exactly.
        blob = "\n".join(self.tokens).encode("utf-8")
        return {"ids": self.ids, "offsets": self.offsets,
                "tokens_utf8": np.frombuffer(blob, dtype=np.uint8)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> "Corpus":
        blob = arrays["tokens_utf8"].tobytes().decode("utf-8")
        return cls(tokens=blob.split("\n") if blob else [], ids=arrays["ids"],
                   offsets=arrays["offsets"])


def tokenize_corpus(texts: list[str]) -> Corpus:
    """Tokenize every text; document by document equal to ``tokenize`` (see module doc)."""
    chunk_ids: dict[str, int] = {}
    sequence: list[int] = []  # every chunk occurrence of every document, as a chunk id
    chunks_per_doc = np.empty(len(texts), dtype=np.int64)
    for i, text in enumerate(texts):
        chunks = text.lower().replace(_SEP, " ").split()
        sequence.extend([chunk_ids.setdefault(c, len(chunk_ids)) for c in chunks])
        chunks_per_doc[i] = len(chunks)

    # One NLTK call over the distinct chunks, each between spaces as inside a text.
    joined = f" {_SEP} ".join(chunk_ids)
    pieces = _WORD.tokenize(_SENTENCE_PERIOD.sub(r"\1 \2\3 ", f" {joined} "))
    token_ids: dict[str, int] = {}
    chunk_tokens: list[int] = []
    chunk_starts = [0]
    for piece in pieces:
        if piece == _SEP:
            chunk_starts.append(len(chunk_tokens))
        else:
            chunk_tokens.append(token_ids.setdefault(piece, len(token_ids)))
    chunk_starts.append(len(chunk_tokens))
    if chunk_ids and len(chunk_starts) - 1 != len(chunk_ids):
        raise DataError("tokenizer: chunk separators were not preserved")  # cannot happen

    starts = np.asarray(chunk_starts, dtype=np.int64)
    occurrences = np.asarray(sequence, dtype=np.int64)
    sizes = np.diff(starts)[occurrences]  # tokens per chunk occurrence
    before = np.cumsum(sizes) - sizes
    gather = np.repeat(starts[occurrences] - before, sizes) + np.arange(int(sizes.sum()))
    ids = np.asarray(chunk_tokens, dtype=np.int32)[gather] if len(gather) else \
        np.zeros(0, dtype=np.int32)
    doc_of_chunk = np.repeat(np.arange(len(texts)), chunks_per_doc)
    lengths = np.bincount(doc_of_chunk, weights=sizes, minlength=len(texts)).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return Corpus(tokens=list(token_ids), ids=ids, offsets=offsets)
