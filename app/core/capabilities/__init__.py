"""Capability analysis: what each file and line of a package can do.

Public entry points (stable for the diff, the store, the UI and the CLI):

* :func:`app.core.capabilities.scan.scan_artifact` — an :class:`~app.core.archive.Artifact`
  to a :class:`~app.core.capabilities.model.ScanResult`;
* :mod:`app.core.capabilities.model` — :class:`Hit`, :class:`Risk`, :class:`ScanResult`,
  the severity and level names.
"""
