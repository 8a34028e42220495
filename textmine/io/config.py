"""Defaults for a command's options from a TOML file (``--config``), for cron jobs and teams.

Keys are the option names a user types, with dashes or underscores
(``segment-column``, ``segment_column``, ``json``, ``output``, ``period``), at
the top level (every command that has the option) or in a table named after
the command (``[analyze]``), which wins. An option given on the command line
wins over both. A key no command knows is an error, never silently ignored.

    # weekly.toml
    period = "week"
    quiet = true
    [analyze]
    segment-column = ["地区类型", "年龄段"]
    output = "reports/report-{date}.xlsx"
    json = "reports/summary-{date}.json"

    >>> config_defaults("weekly.toml", "analyze", {"period": ("period", False)})
    {'period': 'week'}
"""

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, as a package (see pyproject.toml)
    import tomli as tomllib

from textmine.errors import OptionError


def option_key(name):
    """The form a key is compared in: ``--segment-column``, ``segment-column`` -> ``segment_column``."""
    return str(name).lstrip("-").replace("-", "_").lower()


def read_config(path, command):
    """``(top-level settings, the command's table)`` of ``path``, keys as ``option_key`` gives them.

    Tables for other commands are left out.
    """
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise OptionError(f"--config {path}: cannot read it: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise OptionError(f"--config {path}: not valid TOML: {exc}") from exc
    top = {option_key(key): value for key, value in data.items() if not isinstance(value, dict)}
    section = data.get(command, {})
    if not isinstance(section, dict):
        raise OptionError(f"--config {path}: {command} must be a table ([{command}])")
    return top, {option_key(key): value for key, value in section.items()}


def config_defaults(path, command, options, elsewhere=()):
    """``{parameter name: value}`` for the options ``path`` sets for ``command``.

    ``options`` maps every name a user may type (``option_key`` form) to
    ``(parameter name, repeatable)``; a single value of a repeatable option
    becomes a list. ``elsewhere``: the names other commands know, which a
    top-level key may be meant for. Any other unknown key is an OptionError
    that lists the known ones.
    """
    top, section = read_config(path, command)
    defaults = {}
    unknown = []
    settings = [(key, value, key in elsewhere) for key, value in top.items()]
    settings += [(key, value, False) for key, value in section.items()]
    for key, value, for_another_command in settings:
        if key not in options:
            if not for_another_command:
                unknown.append(key)
            continue
        name, repeatable = options[key]
        if repeatable and not isinstance(value, list):
            value = [value]
        defaults[name] = value
    if unknown:
        # The names as typed (json, segment_column), not the internal ones they share a parameter with.
        spelled = {name: [key for key, (other, _) in options.items() if other == name] for name, _ in options.values()}
        known = sorted({key for name, keys in spelled.items() for key in keys if key != name or len(keys) == 1})
        raise OptionError(f"--config {path}: unknown setting(s) for {command}: {', '.join(sorted(unknown))} "
                          f"(known: {', '.join(known)})")
    return defaults
