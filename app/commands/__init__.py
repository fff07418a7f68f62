"""One module per ``vetbench`` subcommand; :mod:`app.cli` discovers them.

Each module defines ``register(subparsers)``: it adds its parser and sets ``func`` to a
callable taking the parsed namespace and returning the exit code. Keep the work itself in
``app.core`` / ``app.sync``; a command module only parses, calls and prints.
"""
