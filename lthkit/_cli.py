"""What both command lines share: argument errors in one line, NAME=VALUE arguments."""
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
