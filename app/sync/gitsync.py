"""``vetbench sync --git``: git as the transport between machines (no server of our own).

Order: (1) commit whatever an interrupted earlier sync left uncommitted in the dataset paths,
(2) ``git pull --rebase`` — *before* the store is touched, so a missing remote or a merge
problem stops the sync with one line and a store exactly as it was, (3) the ordinary sync,
(4) commit and push; a push rejected because someone pushed meanwhile is retried after another
pull.

Conflicts cannot happen on labels (one file per reviewer), only on the derived files
(``manifest.json``, ``osv/``), which are a function of the labels: such a conflict is settled by
taking either side and regenerating them from the labels after the rebase. A conflict anywhere
else is "merge trouble": the rebase is aborted and the user told which files.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from app.errors import VetbenchError

DATASET_PATHS = ("labels", "samples", "osv", "manifest.json", ".gitignore")
DERIVED_PREFIXES = ("manifest.json", "osv/")


class GitSyncError(VetbenchError):
    """git could not pull, merge or push; the message says what to do."""


def _git(
    root: Path, *args: str, check: bool = True, env_extra: dict | None = None
) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_EDITOR": "true", "LC_ALL": "C"}
    env.update(env_extra or {})
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, env=env, timeout=300
        )
    except FileNotFoundError:
        raise GitSyncError("git is not installed (needed for --git)") from None
    except subprocess.TimeoutExpired:
        raise GitSyncError(f"git {args[0]} took too long in {root}") from None
    if check and proc.returncode != 0:
        msg = (proc.stderr or proc.stdout).strip().splitlines()
        raise GitSyncError(f"git {args[0]} failed in {root}: {msg[-1] if msg else proc.returncode}")
    return proc


def _first_line(proc: subprocess.CompletedProcess) -> str:
    lines = [x for x in (proc.stderr or proc.stdout or "").strip().splitlines() if x.strip()]
    return lines[0].strip() if lines else f"exit {proc.returncode}"


class GitDataset:
    """The git side of a dataset working copy."""

    def __init__(self, root: Path, reviewer: str):
        self.root = Path(root)
        self.reviewer = reviewer

    # ------------------------------------------------------------------ checks

    def check(self) -> tuple[str, str]:
        """(remote, branch) to sync with; GitSyncError if there is none."""
        if not (self.root / ".git").exists():
            top = _git(self.root, "rev-parse", "--show-toplevel", check=False)
            if top.returncode != 0:
                raise GitSyncError(
                    f"{self.root} is not a git working copy (clone the dataset, "
                    "or sync without --git)"
                )
        if (
            _git(self.root, "rev-parse", "-q", "--verify", "REBASE_HEAD", check=False).returncode
            == 0
            or (self.root / ".git" / "rebase-merge").exists()
        ):
            raise GitSyncError(
                f"{self.root} is in the middle of a rebase; finish or abort it with git first"
            )
        branch = _git(
            self.root, "symbolic-ref", "--short", "-q", "HEAD", check=False
        ).stdout.strip()
        if not branch:
            raise GitSyncError(f"{self.root} is not on a branch (detached HEAD); check one out")
        remote = _git(self.root, "config", f"branch.{branch}.remote", check=False).stdout.strip()
        if not remote:
            remotes = _git(self.root, "remote", check=False).stdout.split()
            if not remotes:
                raise GitSyncError(
                    f"{self.root} has no git remote to sync with (git remote add origin URL)"
                )
            remote = "origin" if "origin" in remotes else remotes[0]
        return remote, branch

    def _identity(self) -> list[str]:
        """Commit as the configured user, else as the reviewer (never prompt, never fail)."""
        email = _git(self.root, "config", "user.email", check=False).stdout.strip()
        name = _git(self.root, "config", "user.name", check=False).stdout.strip()
        extra = []
        if not name:
            extra += ["-c", f"user.name={self.reviewer}"]
        if not email:
            extra += ["-c", f"user.email={self.reviewer.replace(':', '-')}@vetbench.invalid"]
        return extra

    # ------------------------------------------------------------------ steps

    def commit(self, message: str) -> bool:
        """Commit the dataset paths if anything changed; True if a commit was made."""
        present = [p for p in DATASET_PATHS if (self.root / p).exists()]
        if not present:
            return False
        _git(self.root, "add", "-A", "--", *present)
        if _git(self.root, "diff", "--cached", "--quiet", check=False).returncode == 0:
            return False
        _git(self.root, *self._identity(), "commit", "-q", "--no-verify", "-m", message)
        return True

    def pull(self, remote: str, branch: str) -> bool:
        """``git pull --rebase``; True when derived files had to be settled (rebuild them).

        Raises GitSyncError (store untouched) for an unreachable remote or merge trouble.
        """
        fetch = _git(self.root, "fetch", "-q", remote, check=False)
        if fetch.returncode != 0:
            raise GitSyncError(
                f"cannot reach git remote {remote!r} of {self.root}: {_first_line(fetch)}"
            )
        has_remote_branch = (
            _git(
                self.root,
                "rev-parse",
                "-q",
                "--verify",
                f"refs/remotes/{remote}/{branch}",
                check=False,
            ).returncode
            == 0
        )
        if not has_remote_branch:
            return False  # an empty remote: the first push creates the branch
        if _git(self.root, "rev-parse", "-q", "--verify", "HEAD", check=False).returncode != 0:
            _git(self.root, "reset", "-q", "--hard", f"{remote}/{branch}")  # fresh clone
            return False
        proc = _git(
            self.root,
            *self._identity(),
            "rebase",
            "-q",
            "--no-autostash",
            f"{remote}/{branch}",
            check=False,
        )
        settled = False
        for _ in range(1000):
            if proc.returncode == 0:
                return settled
            conflicted = _git(
                self.root, "diff", "--name-only", "--diff-filter=U", check=False
            ).stdout.split()
            if not conflicted:
                self._abort()
                raise GitSyncError(
                    f"git rebase onto {remote}/{branch} failed in {self.root}: {_first_line(proc)}"
                )
            other = [p for p in conflicted if not p.startswith(DERIVED_PREFIXES)]
            if other:
                self._abort()
                raise GitSyncError(
                    f"merge trouble in {self.root}: {', '.join(other[:3])} changed on both sides; "
                    "resolve with git, then sync again (your store was not changed)"
                )
            for path in conflicted:  # derived files: any side will do, regenerated below
                if _git(self.root, "checkout", "--ours", "--", path, check=False).returncode:
                    _git(self.root, "rm", "-q", "--", path, check=False)
                else:
                    _git(self.root, "add", "--", path)
            settled = True
            proc = _git(
                self.root,
                *self._identity(),
                "-c",
                "core.editor=true",
                "rebase",
                "--continue",
                check=False,
            )
        self._abort()
        raise GitSyncError(f"git rebase did not finish in {self.root}")

    def _abort(self) -> None:
        _git(self.root, "rebase", "--abort", check=False)

    def push(self, remote: str, branch: str) -> tuple[bool, str]:
        """(pushed, message); a rejected push (someone was faster) returns False."""
        ahead = _git(self.root, "rev-list", "--count", f"{remote}/{branch}..HEAD", check=False)
        if ahead.returncode == 0 and ahead.stdout.strip() == "0":
            return True, "nothing to push"
        proc = _git(self.root, "push", "-q", remote, f"HEAD:refs/heads/{branch}", check=False)
        if proc.returncode == 0:
            _git(self.root, "branch", "-q", f"--set-upstream-to={remote}/{branch}", check=False)
            return True, "pushed"
        return False, _first_line(proc)


def git_sync(
    open_store, root: Path, reviewer: str | None, *, samples: bool = True, retries: int = 3
):
    """The whole ``sync --git``: returns the :class:`~app.sync.engine.SyncReport`.

    ``open_store`` is called only after the pull succeeded, so a git failure leaves the store
    as it was (not even created). ``reviewer`` limits the push to that reviewer's decisions
    (None: every local reviewer) and names the commit author when git has no identity.
    """
    from app.sync.engine import default_reviewer, sync_dataset

    root = Path(root)
    if not root.is_dir():
        raise GitSyncError(f"{root} does not exist; clone the dataset there first")
    author = reviewer or default_reviewer()
    g = GitDataset(root, author)
    remote, branch = g.check()
    g.commit(f"vetbench sync ({author}): files of an interrupted sync")
    settled = g.pull(remote, branch)
    store = open_store()
    report = None
    try:
        for attempt in range(retries + 1):
            step = sync_dataset(store, root, reviewer, samples=samples, full_derived=settled)
            report = step if report is None else report.merge(step)
            n = len(step.pushed) + len(step.withdrawn) + len(step.resigned)
            message = f"vetbench sync ({author}): {n} label(s)"
            if step.restored:  # in the history too: whose label was put back, and why
                message += f"; restored {len(step.restored)} label(s) changed by someone else"
            committed = g.commit(message)
            pushed, msg = g.push(remote, branch)
            report.git = {
                "remote": remote,
                "branch": branch,
                "committed": committed,
                "pushed": pushed,
                "message": msg,
                "attempts": attempt + 1,
                "derived_rebuilt": settled,
            }
            if pushed:
                return report
            settled = g.pull(remote, branch)
        raise GitSyncError(
            f"git push to {remote} kept being rejected ({msg}); "
            "your labels are committed locally, sync again later"
        )
    finally:
        store.close()
