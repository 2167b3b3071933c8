"""20 Newsgroups: read the bydate archive (latin-1) and strip Usenet metadata.

The stripping follows the rules scikit-learn documents for ``fetch_20newsgroups(remove=...)``
(re-implemented here, no scikit-learn dependency), so a classifier cannot lean on who
posted, their signature or the quoted post it answers ([UNV20]):

- headers: everything up to the first blank line;
- footers: from the last line made only of dashes (or blank) to the end, a signature;
- quotes: lines that quote another post (start with ">" or "|") or introduce a quote
  ("... writes:", "In article ...").

Applied in the order headers, footers, quotes, as scikit-learn does.
"""
from __future__ import annotations

import re
import tarfile
from pathlib import Path

STRIP = ("headers", "footers", "quotes")
_QUOTE_LINE = re.compile(r"(writes in|writes:|wrote:|says:|said:|^In article|^Quoted from|^\||^>)")
_MEMBER = re.compile(r"(?:.*/)?20news-bydate-(train|test)/([^/]+)/(\d+)$")


def strip_header(text: str) -> str:
    """Drop the header block: everything before the first blank line."""
    _, _, body = text.partition("\n\n")
    return body


def strip_footer(text: str) -> str:
    """Drop a signature: the lines after the last line of only dashes or whitespace."""
    lines = text.strip().split("\n")
    for cut in range(len(lines) - 1, -1, -1):
        if lines[cut].strip().strip("-") == "":
            break
    return "\n".join(lines[:cut]) if cut > 0 else text


def strip_quotes(text: str) -> str:
    """Drop quoted lines and the lines that introduce a quote."""
    return "\n".join(line for line in text.split("\n") if not _QUOTE_LINE.search(line))


_STRIPPERS = {"headers": strip_header, "footers": strip_footer, "quotes": strip_quotes}


def clean_post(text: str, strip=STRIP) -> str:
    """``text`` with the chosen metadata parts removed."""
    for part in STRIP:
        if part in strip:
            text = _STRIPPERS[part](text)
    return text


def read_archive(path: Path, strip=STRIP) -> tuple[list[str], list[str], list[int], list[bool]]:
    """Posts of a 20news-bydate archive (.tar.gz or .tar.xz), sorted by split, group, id.

    Returns (group names sorted, texts, labels, is_test); a label indexes the group names.
    """
    posts = []
    with tarfile.open(path, "r:*") as archive:
        for member in archive:
            match = _MEMBER.match(member.name) if member.isfile() else None
            if match:
                split, group, number = match.groups()
                raw = archive.extractfile(member).read().decode("latin-1")
                posts.append((split == "test", group, int(number), clean_post(raw, strip)))
    posts.sort(key=lambda post: post[:3])
    groups = sorted({post[1] for post in posts})
    label = {group: i for i, group in enumerate(groups)}
    return (groups, [p[3] for p in posts], [label[p[1]] for p in posts],
            [p[0] for p in posts])
