"""The ``vetbench`` command.

With no arguments it opens the desktop app; every subcommand works headless. Subcommands live
one per module in :mod:`app.commands` and are discovered at start-up, so each feature owns its
own command file. Each module there defines ``register(subparsers)`` which adds its parser and
sets ``func`` (called with the parsed namespace, returning an exit code).

Conventions every subcommand follows:

* unusable input: one line on stderr and exit 2 (raise :class:`app.errors.UsageError` or any
  :class:`app.errors.VetbenchError`), never a traceback;
* ``--json`` output is a stable machine interface;
* subcommands that use the store take ``--db PATH`` after their own name.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil

from app import __version__
from app.commands._output import say
from app.errors import VetbenchError


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit 2 (argparse's own code)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        say(f"vetbench: {message}\n", err=True)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="vetbench",
        description="Review flagged packages: capabilities, release diffs, decisions, dataset sync.",
    )
    parser.add_argument("--version", action="version", version=f"vetbench {__version__}")
    # Options of the desktop app (used when no subcommand is given).
    parser.add_argument("--db", help="store file (default: the user data dir, or $VETBENCH_DB)")
    parser.add_argument(
        "--screenshot", metavar="FILE", help="render the main window to a PNG and exit"
    )
    parser.add_argument("--item", help="queue item to select (with --screenshot)")
    parser.add_argument("--size", default=None, help="window size WxH (with --screenshot)")
    parser.add_argument("--dataset", help="dataset folder to watch for other reviewers' labels")
    parser.add_argument("--demo", action="store_true", help="open the bundled demo queue")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    import app.commands as commands_pkg

    for info in sorted(pkgutil.iter_modules(commands_pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"app.commands.{info.name}")
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            from app.ui.launch import run_app  # Qt is imported only when the app opens

            return run_app(args)
        return int(args.func(args) or 0)
    except VetbenchError as exc:
        say(f"vetbench: {exc}\n", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        say("vetbench: interrupted\n", err=True)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
