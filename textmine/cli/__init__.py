"""The command line: option parsing and output only; the work is in the library.

``cli`` is the Click group and ``main`` the console script; the commands are
in ``files`` (annotate, analyze, topics) and ``store`` (ingest, reannotate),
the shared options and the error contract in ``_group``.

    >>> from click.testing import CliRunner
    >>> CliRunner().invoke(cli, ["annotate", "survey.csv", "-o", "annotated.csv"]).exit_code
    0
"""

from textmine.cli import files, store  # noqa: F401 - the commands register themselves on cli
from textmine.cli._group import TOPIC_ENGINES, cli, main

__all__ = ["TOPIC_ENGINES", "cli", "main"]
