"""The scan driver, one room per job.

- :mod:`.plan`: roots to tasks (object handles, and rows for what the walk passed over);
- :mod:`.task`: one object in, its rows out (no pool concerns);
- :mod:`.executor`: where tasks run (in this process, or a local pool of worker processes);
- :mod:`.dask_executor`: where tasks run on a Dask cluster (the ``dask`` extra), writing their
  rows into parts of their own (:mod:`.task_parts`);
- :mod:`.ranges`: big files (text, CSV, mbox, plain SQL dumps) read in ranges, as separate
  tasks (:mod:`.range_cuts`: where each kind is cut, and how a range of it is read);
- :mod:`.session`: a scan's life (inventory, signals, closing); :mod:`.signals`: how a signal
  stops it (never while the pool starts a process); :mod:`.fork_server`: the fork server's preload.

:func:`piiscan.scan` (the function, :func:`piiscan.api.scan`) calls
:func:`.session.run_scan`. This package imports nothing itself: ``import piiscan`` loads it
first, so that the name ``piiscan.scan`` stays the function (a subpackage imported later would
replace the parent's attribute of the same name).
"""
