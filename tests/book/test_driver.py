"""The book driver on tiny chapters: stamps skip unchanged chapters, a failure names its cell."""
import json

import pytest

from book_helpers import make_book, run_book

pytestmark = pytest.mark.book

TINY = '''# %% tags=["parameters"]
profile = "quick"
greeting = "hello"

# %%
print(greeting, profile)
'''

BROKEN = '''# %% tags=["parameters"]
profile = "quick"

# %%
x = 1

# %%
def broken():
    return 1 / 0


broken()
'''


def injected_tags(root, name):
    nb = json.loads((root / "book" / "_executed" / f"{name}.ipynb").read_text())
    [cell] = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    return cell["metadata"]["tags"]


def outputs(root, name):
    nb = json.loads((root / "book" / "_executed" / f"{name}.ipynb").read_text())
    return "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))


def test_stamp_skips_unchanged_chapter_and_reruns_changed_one(tmp_path):
    root = make_book(tmp_path, ["tiny"], {"tiny": TINY})

    first = run_book(root, "--no-html")
    assert first.returncode == 0, first.stderr
    assert "tiny: executing" in first.stdout
    assert outputs(root, "tiny").strip() == "hello quick"
    assert "remove-cell" in injected_tags(root, "tiny")  # it only repeats the defaults
    stamp = json.loads((root / "book" / "_executed" / "tiny.json").read_text())
    assert stamp["parameters"]["profile"] == "quick" and len(stamp["lthkit_sha256"]) == 64

    again = run_book(root, "--no-html")
    assert "tiny: up to date" in again.stdout and "executing" not in again.stdout

    new_parameter = run_book(root, "--no-html", "--chapter", "tiny", "-p", "greeting=bye")
    assert "tiny: executing" in new_parameter.stdout
    assert outputs(root, "tiny").strip() == "bye quick"
    assert "remove-cell" not in injected_tags(root, "tiny")  # the page shows what was used

    (root / "book" / "tiny.py").write_text(TINY.replace("hello", "hi"))
    new_text = run_book(root, "--no-html")
    assert "tiny: executing" in new_text.stdout
    assert outputs(root, "tiny").strip() == "hi quick"

    # Newly stored results (e.g. a committed full run) re-run the chapters that show them.
    (root / "results" / "x-0123").mkdir(parents=True)
    (root / "results" / "x-0123" / "experiment.json").write_text("{}")
    new_results = run_book(root, "--no-html")
    assert "tiny: executing" in new_results.stdout


def test_unknown_parameter_is_refused(tmp_path):
    root = make_book(tmp_path, ["tiny"], {"tiny": TINY})
    result = run_book(root, "--no-html", "--chapter", "tiny", "-p", "epochs=3")
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert ("epochs=3 is not allowed: expected a parameter of chapter 'tiny'" in lines[0]
            and "greeting" in lines[0])


def test_a_bad_parameter_value_is_refused_before_executing(tmp_path):
    root = make_book(tmp_path, ["tiny"], {"tiny": TINY})
    result = run_book(root, "--no-html", "--chapter", "tiny", "-p", "profile=medium")
    assert result.returncode == 2 and "profile='medium' is not allowed" in result.stderr
    assert not (root / "book" / "_executed" / "tiny.ipynb").exists()


def test_failing_chapter_stops_the_build_and_names_chapter_and_cell(tmp_path):
    root = make_book(tmp_path, ["broken"], {"broken": BROKEN})
    result = run_book(root)
    assert result.returncode == 1
    message = result.stderr
    assert "chapter 'broken' failed in cell" in message
    assert "line 8 of book/broken.py" in message  # where `def broken():` starts
    assert "ZeroDivisionError" in message and "return 1 / 0" in message
    assert (root / "book" / "_executed" / "broken.failed.ipynb").exists()
    assert not (root / "book" / "_executed" / "broken.json").exists()
    assert not (root / "_build" / "html").exists()  # stopped before jupyter-book
