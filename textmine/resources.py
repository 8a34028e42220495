"""Where the packaged dictionaries and models are.

Installed, ``dictionaries/`` is the resource package ``textmine.dictionaries``
(see pyproject.toml); in a plain source checkout that package does not exist,
so we fall back to the folder next to ``textmine/``.
"""

from importlib import resources
from pathlib import Path


def dictionary_file(name):
    """Return a readable path-like object for a packaged dictionary file.

    >>> dictionary_file("stopwords.txt").name
    'stopwords.txt'
    """
    try:
        base = resources.files("textmine.dictionaries")
    except ModuleNotFoundError:
        base = Path(__file__).resolve().parent.parent / "dictionaries"
    return base / name


def model_file(name):
    """Return a readable path-like object for a packaged model file."""
    return resources.files("textmine.models") / name
