"""Entry point of the PyInstaller bundle (packaging/vetbench.spec): the `vetbench` command."""

from app.cli import main

raise SystemExit(main())
