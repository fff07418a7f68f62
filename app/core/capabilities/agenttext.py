"""Text aimed at AI agents: instructions hidden in docstrings, tool descriptions, READMEs and
metadata of MCP servers and agent plugins.

An agent that reads a package's text may obey it. Real samples tell the model to ignore its
previous instructions or to keep something from the user, and in the same breath to read a
key file or send data somewhere. One phrase alone is common in LLM libraries (guardrail test
data, red-team prompt lists), so a hit needs both: an override of the agent's instructions or
secrecy toward the user, and a secret or an exfiltration target within a few hundred
characters. Nothing here runs anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["INVISIBLE", "agent_instructions", "may_instruct"]

_OVERRIDE = re.compile(
    r"ignore (?:all |any )?(?:of )?(?:the |your )?(?:previous|prior|above|earlier|preceding|"
    r"system) (?:instructions|prompts?|rules)|disregard (?:all |any |the |your )?(?:previous |"
    r"prior |above |system )(?:instructions|prompts?|rules)|do not (?:tell|mention|inform|reveal)"
    r" (?:this |it |anything )?(?:to )?the user|without (?:telling|informing|notifying) the user|"
    r"<important>|"
    # secrecy in other words: "don't mention this step to the user", "never reveal this to the
    # user", "keep it secret from the user" (MCP tool-poisoning write-ups use each)
    r"(?:do not|don'?t|never) (?:tell|mention|inform|reveal|show|disclose)(?: this| it| that|"
    r" anything)?(?: step| detail| instruction)?(?: to)? the user|"
    r"(?:keep|hide) (?:this|it) (?:secret |hidden )?from the user"
)
# Only what an agent can be sent to fetch or send: key files and exfiltration commands. API
# keys, passwords and URLs are named in every SDK's docstrings (the first version of this rule
# flagged msal, databricks-sdk and awswrangler on the benchmark's tuning half).
_TARGET = re.compile(
    r"~/\.ssh|id_rsa|id_ed25519|\.aws/credentials|\.npmrc|\.pypirc|mcp\.json|"
    r"private key file|\bcurl\b|\bwget\b|webhook"
)
# ``<important>`` alone is emphasis, which documentation uses too (AWS's API reference puts a
# note about CodeBuild webhooks in one, and botostubs copies it into its stubs): beside it a
# target counts when it is a secret to read or an address to send to, not a word such as
# "webhooks" or "curl" in the text of a note.
_SECRET_OR_ADDRESS = re.compile(
    r"~/\.ssh|id_rsa|id_ed25519|\.aws/credentials|\.npmrc|\.pypirc|mcp\.json|"
    r"private key file|\b(?:curl|wget)\b[^\n]{0,60}?(?:https?://|\b\d{1,3}(?:\.\d{1,3}){3}\b)|"
    r"webhook\.\w|webhook[^\n]{0,20}?https?://"
)
_WINDOW = 400
# Every _TARGET match contains one of these: a text holding none of them can hold no hit, and
# the override phrases need not be looked for at all ("do not ", "without " and "never " lead
# to a regex try in most docstrings of an SDK; a target is rare).
_TARGET_MARKS = (
    "~/.ssh",
    "id_rsa",
    "id_ed25519",
    ".aws/credentials",
    ".npmrc",
    ".pypirc",
    "mcp.json",
    "private key file",
    "curl",
    "wget",
    "webhook",
)
# Every _OVERRIDE match starts with one of these words. ``in`` finds a word at C speed, where
# the alternation is tried at every position of the text, and most files hold none of them.
_LEADS = (
    "ignore ",
    "disregard ",
    "do not ",
    "without ",
    "<important>",
    "don't ",
    "dont ",
    "never ",
    "keep ",
    "hide ",
)
# Invisible characters dropped before matching: "ig\u200bnore previous instructions" reads the
# same to a model and to a person, and a zero-width character in the middle of a phrase
# exists for no other reason than to dodge a matcher like this one.
INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]")


def may_instruct(lowered: str) -> bool:
    """False when :func:`agent_instructions` can find nothing in this text. ``lowered`` is the
    text lower-cased in any way that lowers ASCII letters (``str.lower`` or ASCII-only): an
    override is all ASCII, so its lead word is there either way."""
    return any(lead in lowered for lead in _LEADS)


def agent_instructions(low: str) -> Iterator[tuple[int, str]]:
    """``(offset, matched phrase)`` of each override that has a target nearby; ``low`` is the
    file's text lower-cased (ASCII)."""
    if not any(mark in low for mark in _TARGET_MARKS):
        return
    last = -_WINDOW
    for m in _overrides(low):
        if m.start() - last < _WINDOW:
            continue
        around = low[max(0, m.start() - _WINDOW) : m.end() + _WINDOW]
        target = _SECRET_OR_ADDRESS if m.group() == "<important>" else _TARGET
        if target.search(around):
            last = m.start()
            yield m.start(), m.group()


def _overrides(low: str) -> Iterator[re.Match[str]]:
    """``_OVERRIDE.finditer(low)``, tried only where a lead word starts: the alternation was
    tried at every position of every file holding "do not " or "without " (most Python
    modules), the same non-overlapping matches left to right."""
    starts: set[int] = set()
    for lead in _LEADS:
        at = low.find(lead)
        while at >= 0:
            starts.add(at)
            at = low.find(lead, at + 1)
    end = 0
    for at in sorted(starts):
        if at < end:
            continue
        m = _OVERRIDE.match(low, at)
        if m is not None:
            end = m.end()
            yield m
