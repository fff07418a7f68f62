"""Signs of a packer or a native payload in Python code: lambda chains, PyArmor, injection APIs.

A mixin of :class:`~app.core.capabilities.pyanalysis.PythonAnalyzer`: what it says comes from
one node at a time (a lambda nest, an import, a ``ctypes`` name), not from data flow.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from app.core.capabilities.pynames import INJECTION_APIS, SHELLCODE_APIS
from app.core.capabilities.pytree import lambda_depth

if TYPE_CHECKING:
    from app.core.capabilities.pystate import AnalyzerState
else:
    AnalyzerState = object  # PythonAnalyzer has the members (see pystate)


class PackerSigns(AnalyzerState):
    _shellcode_apis: set[str]  # the shellcode-loader APIs named so far (PythonAnalyzer sets it)

    def _check_import(self, name: str, node: ast.AST) -> None:
        # A protected module starts by importing the runtime that decrypts it
        # (pyarmor_runtime_000000.__pyarmor__, or pytransform.pyarmor_runtime before PyArmor
        # 8); the obfuscator's own command line and library (pyarmor.cli, a licence helper
        # of pytransform) protect nothing in the file that imports them.
        if "pyarmor_runtime" in name or name.rsplit(".", 1)[-1] == "__pyarmor__":
            self.emit(
                "obf.packer",
                "high",
                node,
                "py.pyarmor",
                "Imports the PyArmor runtime: the real code is encrypted and cannot be reviewed.",
            )
        elif name.startswith(("pytransform", "pyarmor")):
            self.emit(
                "obf.packer",
                "medium",
                node,
                "py.pyarmor",
                "Uses the PyArmor obfuscator (its command or library), loading no protected "
                "code here.",
            )

    def _lambda_chain(self, n: ast.Lambda, deepest: int) -> int:
        """A packer's nest of lambdas, said once per expression at its deepest."""
        depth = lambda_depth(n)
        if depth >= 5 and depth > deepest:
            self.emit(
                "obf.packer",
                "high",
                n,
                "py.lambda_chain",
                f"A chain of {depth} nested lambdas: code wrapped to defeat reading.",
                raise_in_context=False,
            )
            return depth
        return deepest

    def _name_use(self, n: ast.AST) -> None:
        q = self._canon(self.qualname(n))
        if q in ("ctypes.windll.kernel32", "ctypes.windll.ntdll") and isinstance(n, ast.Attribute):
            return
        api = q.rsplit(".", 1)[-1] if q and q.startswith("ctypes.") else None
        if api in INJECTION_APIS:
            self.emit(
                "exec.native_load",
                "high",
                n,
                "py.injection_api",
                f"Uses the Windows API {api}, made for code injection or keylogging.",
                raise_in_context=False,
            )
        elif api in SHELLCODE_APIS and api not in self._shellcode_apis:
            self._shellcode_apis.add(api)
            if len(self._shellcode_apis) == 3:
                self.emit(
                    "exec.native_load",
                    "high",
                    n,
                    "py.shellcode_loader",
                    "Allocates executable memory, copies bytes into it and starts a thread: "
                    "a shellcode loader (" + ", ".join(sorted(self._shellcode_apis)) + ").",
                    raise_in_context=False,
                )
