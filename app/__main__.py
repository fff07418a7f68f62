"""`python -m app` behaves exactly like the `vetbench` command."""

from app.cli import main

raise SystemExit(main())
