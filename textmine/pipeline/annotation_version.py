"""Which models and dictionaries made an annotation: recorded with every stored text.

The version is the textmine version, a hash of the packaged model files and a
hash of every dictionary file the run used (the packaged ones and the
analyst's ``--dict``, ``--stopwords``, ``--synonyms``, ``--taxonomy``), so a
store can tell annotations made before an upgrade from those made after it,
and ``reannotate`` records what it changed them to.

    >>> annotation_version(LanguageOptions())["models"][:12]
    '3f1c9a...'
"""

import functools
import hashlib
import json
from pathlib import Path

from textmine import __version__
from textmine.resources import dictionary_file
from textmine.text.lexicon import STOPWORDS, SYNONYMS, TAXONOMY, USER_DICT

MODEL_SUFFIXES = (".npz", ".json", ".gz")


def _hash_files(files):
    digest = hashlib.sha256()
    for name, data in files:
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


@functools.lru_cache(maxsize=None)
def _packaged_models():
    from importlib import resources

    folder = resources.files("textmine.models")
    files = sorted((entry.name, entry.read_bytes()) for entry in folder.iterdir()
                   if entry.name.endswith(MODEL_SUFFIXES))
    return _hash_files(files)


@functools.lru_cache(maxsize=None)
def _packaged_dictionaries():
    files = []
    for name in (USER_DICT, STOPWORDS, SYNONYMS, TAXONOMY):
        resource = dictionary_file(name)
        files.append((name, resource.read_bytes() if resource.is_file() else b""))
    return files


def annotation_version(options):
    """The version of the annotations a ``LanguageOptions`` makes, as a dict for the store.

    ``digest`` identifies the whole; the file hashes are SHA-256 of the contents,
    so a moved file with the same words is the same version.
    """
    own = [(f"{kind}:{Path(path).name}", Path(path).read_bytes())
           for kind, paths in (("dict", options.user_dicts), ("stopwords", options.stopword_files),
                               ("synonyms", options.synonym_files),
                               ("taxonomy", (options.taxonomy_file,) if options.taxonomy_file else ()))
           for path in paths]
    settings = {"sentiment_engine": options.sentiment_engine, "own_files": [name for name, _ in own]}
    version = {"textmine": __version__, "models": _packaged_models(),
               "dictionaries": _hash_files(_packaged_dictionaries() + own), "settings": settings}
    version["digest"] = hashlib.sha256(json.dumps(version, sort_keys=True).encode()).hexdigest()
    return version
