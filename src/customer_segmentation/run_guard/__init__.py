"""One ``kedro run`` at a time per data root, and no partial output ever left as the newest.

Three things protect the files a run writes under ``data_root`` (``conf/<env>/globals.yml``):

- **The run lock** ``<data_root>/.run.lock``: taken before the first dataset is read or
  written, released when the run ends (finished or failed). A second run while one is going
  stops at once with one line naming the running one. The lock file appears whole (written
  aside, then linked into place, so it is never seen half-written) and holds the run's pid,
  host, environment, pipelines, start time, save version and the version folders it may
  write. The running process holds an advisory ``flock`` on it, which the system drops when
  the process ends however it ends: a lock file whose ``flock`` is free was left by a run
  that was killed, and the next run takes it over with a warning. Where ``flock`` is not
  available (Windows, some network file systems) the pid decides: a lock whose process no
  longer runs on this host is taken over.
- **No partial versions**: a failed run removes the version folders it wrote (those named
  by its save version under each versioned output), and a run that takes over a killed
  run's lock removes the killed run's version folders before it writes anything, so the
  newest version of every dataset is always one a finished run wrote.
- **Incomplete intermediates**: the unversioned intermediates (layers 02-05) are rewritten
  in place. Before a run overwrites the first of them it records them in
  ``<data_root>/.incomplete.json``, and clears them again once it has written all of them.
  A run that fails or is killed in between leaves them recorded, and a later run that reads
  one of them without rebuilding it (e.g. ``--pipelines clustering``) stops with one line
  telling to re-run the run that was cut short.

Modules: ``lock`` (the lock file and its holder), ``outputs`` (version folders and the
incomplete record), ``guard`` (``RunGuard``, used by ``hooks.RunGuardHook`` for one run).
"""
