"""What both command lines share: argument errors in one line, NAME=VALUE arguments, the
option to adopt rebuilt weights."""
import argparse
import sys

import yaml


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr with exit code 2."""

    def error(self, message):
        print(f"{self.prog}: {message}", file=sys.stderr)
        sys.exit(2)


def name_value(example):
    """An argparse type for NAME=VALUE; the value is read as YAML (3 -> int, 0.5 -> float,
    [300, 100] -> list, abc -> str). `example` is shown when the form is wrong."""
    def parse(text):
        name, sep, value = text.partition("=")
        if not sep or not name.isidentifier():
            raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=VALUE, e.g. {example}")
        return name, yaml.safe_load(value)
    return parse


def add_import_option(parser):
    """--import MODULE, for both command lines: modules that register a reader's models
    (`lthkit.search.register_model`); read before the parser is built, by `import_from`."""
    parser.add_argument("--import", dest="imports", action="append", metavar="MODULE",
                        default=[], help="import MODULE first, e.g. one that registers your "
                                         "model with lthkit.search.register_model "
                                         "(repeatable; also $LTHKIT_IMPORT, comma-separated)")


def import_from(argv, prog):
    """Import the modules named by --import in `argv` (and $LTHKIT_IMPORT) before the parser
    lists the models. Returns an exit code 2 (after one line on stderr) if one fails."""
    import sys

    from lthkit._errors import LthkitError
    from lthkit.search.own import import_plugins
    modules = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--import"]
    modules += [a.split("=", 1)[1] for a in argv if a.startswith("--import=")]
    try:
        import_plugins(modules)
    except LthkitError as err:
        print(f"{prog}: {err}", file=sys.stderr)
        return 2
    return None


def add_adopt_option(parser):
    """--adopt-rebuilt-weights, for both command lines (see `adopt_from`)."""
    parser.add_argument("--adopt-rebuilt-weights", action="store_true",
                        help="where this machine rebuilds a dense round's trained weights (or a "
                             "rewind point) other than the recorded ones, train on with them "
                             "and record the adoption in digests.json (default: refuse)")


def adopt_from(args):
    """Make every search of this process adopt rebuilt weights, if the command line asked."""
    if args.adopt_rebuilt_weights:
        import os

        from lthkit.search.ticket import ADOPT_ENV
        os.environ[ADOPT_ENV] = "1"
