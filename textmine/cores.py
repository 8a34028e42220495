"""How many worker processes a run may start: all cores by default, at most four per core.

Kept apart from ``textmine.pipeline`` so that the command line can check
``--jobs`` before loading any model. More processes than this only compete
for the same cores, and each holds its own memory: ``-j 100000`` forked until
the kernel killed the run.

    >>> max_jobs() == 4 * default_jobs()
    True
"""

import os

JOBS_PER_CORE = 4


def default_jobs():
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def max_jobs():
    """The most worker processes a run may start: ``JOBS_PER_CORE`` times the cores."""
    return JOBS_PER_CORE * default_jobs()
