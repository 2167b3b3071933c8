"""The book from the command line:

    python -m lthkit.book build [--profile smoke|quick|full] [--chapter NAME] [-p K=V]
    python -m lthkit.book run CHAPTER -o OUT.ipynb [-p K=V ...]      # one chapter, any parameters
    python -m lthkit.book lab                                        # JupyterLab on the book

A bad argument or parameter is refused in one line with exit code 2, before anything runs.
"""
import argparse
import sys
from pathlib import Path

from lthkit._cli import OneLineParser, name_value
from lthkit._errors import LthkitError
from lthkit.book.driver import ChapterFailed, build, default_root, toc_chapters
from lthkit.profiles import PROFILES


_parameter = name_value("epochs=3")


def main(argv=None):
    parser = OneLineParser(prog="python -m lthkit.book", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="execute the chapters that changed, then build the HTML")
    b.add_argument("--profile", default="quick", choices=PROFILES,
                   help="smoke: seconds per chapter (CI); quick: minutes on a CPU (default); "
                        "full: the papers' settings (stored runs)")
    b.add_argument("--chapter", action="append", dest="chapters", metavar="NAME",
                   help="execute only this chapter (name or book/NAME.py); repeatable")
    b.add_argument("-p", "--param", action="append", type=_parameter, default=[],
                   metavar="NAME=VALUE", help="a papermill parameter of --chapter (repeatable)")
    b.add_argument("--force", action="store_true", help="execute even if nothing changed")
    b.add_argument("--root", type=Path, default=None,
                   help="the book's folder, with _toc.yml (default: this repository)")
    b.add_argument("--no-html", dest="html", action="store_false",
                   help="execute only, do not run jupyter-book")
    r = sub.add_parser("run", help="execute one chapter with parameters into a notebook")
    r.add_argument("chapter", help="a chapter's name (03_text_cnn) or path (book/03_text_cnn.py)")
    r.add_argument("-o", "--output", required=True, help="the executed notebook (.ipynb)")
    r.add_argument("-p", "--param", action="append", type=_parameter, default=[],
                   metavar="NAME=VALUE", help="a parameter of the chapter (repeatable)")
    r.add_argument("--root", type=Path, default=None, help=argparse.SUPPRESS)
    la = sub.add_parser("lab", help="JupyterLab on the book: chapters open as notebooks")
    la.add_argument("--port", type=int)
    la.add_argument("--no-browser", dest="browser", action="store_false")
    sub.add_parser("chapters", help="list the chapters in the order of _toc.yml")
    args = parser.parse_args(argv)
    try:
        if args.command == "chapters":
            print("\n".join(toc_chapters(default_root())))
        elif args.command == "run":
            from lthkit.book.lab import run_chapter
            run_chapter(args.chapter, args.output, dict(args.param), root=args.root)
        elif args.command == "lab":
            from lthkit.book.lab import lab
            return lab(port=args.port, browser=args.browser)
        else:
            build(args.profile, args.chapters, dict(args.param), root=args.root, html=args.html,
                  force=args.force)
    except ChapterFailed as err:
        print(f"\nbook build stopped: {err}", file=sys.stderr)
        return 1
    except LthkitError as err:
        print(f"python -m lthkit.book {args.command}: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
