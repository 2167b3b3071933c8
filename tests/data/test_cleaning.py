"""Text cleaning: 20 Newsgroups metadata stripping and latin-1, AG News and IMDb markup."""
from __future__ import annotations


from lthkit.data.newsgroups import (clean_post, read_archive, strip_footer, strip_header,
                                    strip_quotes)
from lthkit.data.readers import clean_ag_news, clean_imdb

from .conftest import tar_gz

POST = """From: someone@example.com (Some One)
Subject: Re: engines
Organization: Example U
Lines: 9

In article <1993Apr1@example.com> other@example.com writes:
> The old engine was better.
|> Really?
I disagree, the new one is faster.
Jane wrote: not quoted text but an attribution
Thanks.

--
Some One, Example U  "a motto"
"""


def test_strip_header():
    assert strip_header(POST).startswith("In article")
    assert strip_header("no blank line at all") == ""


def test_strip_quotes():
    body = strip_quotes(strip_header(POST))
    assert "old engine" not in body and "Really" not in body and "In article" not in body
    assert "Jane wrote" not in body  # "wrote:" introduces a quote
    assert "I disagree" in body


def test_strip_footer():
    assert "motto" not in strip_footer(POST) and "Thanks." in strip_footer(POST)
    assert strip_footer("no signature here\nat all") == "no signature here\nat all"


def test_clean_post_all_parts_and_subsets():
    cleaned = clean_post(POST)
    assert cleaned.strip().splitlines() == ["I disagree, the new one is faster.", "Thanks."]
    assert "Subject:" in clean_post(POST, strip=("quotes",))
    assert clean_post(POST, strip=()) == POST


def test_read_archive_latin1_order_and_labels(tmp_path):
    path = tmp_path / "20news-bydate.tar.gz"
    path.write_bytes(tar_gz({
        "20news-bydate-test/sci.med/20": b"H: x\n\ntest post",
        "20news-bydate-train/sci.med/10": b"H: x\n\nCaf\xe9 cr\xe8me",  # latin-1 bytes
        "20news-bydate-train/alt.atheism/9": b"H: x\n\nfirst",
        "20news-bydate-train/alt.atheism/100": b"H: x\n\nsecond",
    }))
    groups, texts, labels, is_test = read_archive(path)
    assert groups == ["alt.atheism", "sci.med"]
    assert texts == ["first", "second", "Café crème", "test post"]
    assert labels == [0, 0, 1, 1] and is_test == [False, False, False, True]


def test_clean_imdb_removes_br_tags():
    assert clean_imdb("Great.<br /><br />Really<br/>good<BR>.") == "Great.  Really good ."


def test_clean_ag_news_entities_backslashes_and_tags():
    raw = ("Wall St. #39;s bears \\ rally for  #36;10 and  quot;more quot; &lt;A "
           "HREF=\"http://x\"&gt;link&lt;/A&gt; AT&amp;T")
    assert clean_ag_news(raw).split() == [
        "Wall", "St.", "'s", "bears", "rally", "for", "$10", "and", '"more', '"', "link", "AT&T"]
