"""The decision loop of the window: a verdict lands only on the item on screen, asks before
it replaces a decision or goes against another reviewer, then moves on to the next undecided
item below; Ctrl+Z takes back a whole step (a campaign decision is one step).

The window owns the widgets; this object owns what happens between a verdict key and the
store write, so the rules of the loop live in one place and main_window stays a wiring file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app.core.campaigns import grouping as campaigns
from app.core.store.errors import StaleItem
from app.core.store.records import Change, ItemState
from app.ui import safe_text
from app.ui.decision_panel import PRESETS, describe
from app.workflows.history import project_history

SECOND_REVIEW = "needs_second_review"


class Triage(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.counts: Counter = Counter()  # this session: malicious/benign/indeterminate/skipped
        self.decided_here: set[int] = set()  # items this window decided (never advanced onto)
        self.prompt: QMessageBox | None = None  # the open "replace / against" question
        self.seen: ItemState | None = None  # the open item as the moderator saw it

    def opened(self, item) -> None:
        """The item on screen as it is now: what its decision will be checked against. Set
        when an item opens and after this window's own writes, never by other processes'
        changes (those must be noticed, not absorbed)."""
        self.seen = ItemState.of(item) if item is not None else None

    def own_change(self, change) -> None:
        item = self.w.item
        if item is not None and item.id in change.item_ids:
            self.opened(item)

    # ------------------------------------------------------------------ the item on screen

    def show_hidden(self, item_id: int) -> None:
        """The open item left the filtered queue: say so, and hold verdict keys until an
        item is selected again (a verdict must land on what the moderator sees)."""
        w = self.w
        item = w.item
        if item is None or item.id != item_id:
            return
        w.item, w.bundle, w._file_index = None, None, None
        w.runner.cancel("release")
        w.runner.cancel("file")
        w.decision.start_item(None, [], None)
        w.decision.timer_label.setText("")
        w.position_label.setText("")
        label = safe_text.one_line(item.label, 120)
        release = w.release
        release.bundle = None
        release.title.setText(f"{label} — hidden by the filter")
        release.show_context()
        release.files.clear()
        release.delta.clear_all()
        for combo in (release.artifact_combo, release.baseline_combo):
            combo.blockSignals(True)
            combo.clear()
            combo.blockSignals(False)
        release.diff.show_message(
            f"{label} is hidden by the filter. Its draft is kept.\n\n"
            "Select an item (j / k) to go on; empty the filter (/, Backspace, Enter) to see it."
        )
        w.setWindowTitle("Vetbench")

    # ------------------------------------------------------------------ keys

    def handlers(self) -> dict:
        out = {
            "malicious": lambda: self.decide("malicious"),
            "benign": lambda: self.decide("benign"),
            "indeterminate": lambda: self.decide("indeterminate"),
            "skip": self.skip,
            "undo": self.undo,
        }
        for preset, _key, _verdict, _action in PRESETS:
            out[preset] = lambda _checked=False, p=preset: self.preset(p)
        return out

    def preset(self, preset_id: str) -> None:
        for preset, _key, verdict, action in PRESETS:
            if preset == preset_id:
                self.decide(verdict, action)

    def commit(self, verdict: str, action: str) -> None:
        """Ctrl+Enter in the reason: record the preset that waited for it (else back to the
        queue, like Esc)."""
        if verdict:
            self.decide(verdict, action)
        else:
            self.w.queue.table.setFocus()

    # ------------------------------------------------------------------ deciding

    def decide(self, verdict: str, action: str | None = None) -> None:
        """Record ``verdict`` for the item on screen, and only for it."""
        w = self.w
        item = w.item
        if item is None:
            w.statusBar().showMessage("No item on screen: select one (j / k) before deciding", 5000)
            return
        decision = w.decision.build_decision(verdict, w.reviewer, action)
        if decision is None or self._changed_elsewhere(item):
            return
        question = self._question(item, decision)
        if question:
            # The title says which question it is (seen first, and all a window list shows).
            replacing = "is already decided" in question.split("\n", 1)[0]
            title = "Replace the decision?" if replacing else "Against another reviewer?"
            self._ask(question, lambda: self._record(item, decision), title)
        else:
            self._record(item, decision)

    def _changed_elsewhere(self, item) -> bool:
        """Another process decided, skipped, undid or re-reported the item since it was
        opened: refuse with a banner naming who, and show the item as it is now."""
        try:
            now = self.w.store.get_item(item.id)
            if self.seen is None or ItemState.of(now) == self.seen:
                return False
            message = (
                f"Not recorded: {safe_text.one_line(item.label, 80)} changed since you opened"
                f" it: {self.w.store.last_change_text(item.id)}. Look at it again, then decide."
            )
        except Exception as exc:  # noqa: BLE001 - the write itself will report a dead store
            self.w.banner.show_error(f"Cannot read item {item.id}: {exc}")
            return False
        self._refused(item.id, message)
        return True

    def _refused(self, item_id: int, message: str) -> None:
        w = self.w
        w.banner.show_error(message)
        w.statusBar().showMessage(message.split(":", 1)[0], 5000)
        w.apply_change(Change(frozenset({"item", "queue"}), frozenset({item_id})))
        if w.item is not None and w.item.id == item_id:
            self.opened(w.item)  # shown as it is now: the next key is a fresh decision
            w.release.show_context(
                w.store.reports_for(item_id),
                w.store.current_decision(item_id),
                project_history(w.store, w.item),
            )

    def _question(self, item, decision) -> str:
        """What the moderator should know before this lands: a decision it replaces (by whom,
        what) and other reviewers' labels it goes against. Empty when there is nothing."""
        store, lines = self.w.store, []
        try:
            current = store.current_decision(item.id)
            others = store.external_labels_for(item.id)
        except Exception as exc:  # noqa: BLE001 - the write itself will report a dead store
            self.w.banner.show_error(f"Cannot read item {item.id}: {exc}")
            return ""
        if current is not None:
            lines.append(
                f"{safe_text.one_line(item.label, 80)} is already decided: "
                f"{describe(current.verdict, current.action)} by "
                f"{safe_text.one_line(current.reviewer, 40)} at {current.decided_at}."
            )
        for lab in others:
            body = lab.label if isinstance(lab.label, dict) else {}
            if body.get("withdrawn") or lab.reviewer == self.w.reviewer:
                continue
            if body.get("verdict") and body.get("verdict") != decision.verdict:
                reason = safe_text.one_line(str(body.get("reason") or ""), 120)
                lines.append(
                    f"{safe_text.one_line(lab.reviewer, 40)} labelled it "
                    f"{describe(str(body['verdict']), body.get('action'))}"
                    + (f": {reason}" if reason else ".")
                )
        if not lines:
            return ""
        verb = "Replace it with" if current is not None else "Record"
        lines.append(f"{verb} {describe(decision.verdict, decision.action)}?")
        return "\n\n".join(lines)

    def _ask(self, text: str, proceed, title: str = "Replace the decision?") -> None:
        """A window-modal question; Esc or Enter cancels, Alt+R records. Focus returns to
        where it was when it closes without recording."""
        back = QApplication.focusWidget()
        box = QMessageBox(self.w)
        box.setObjectName("replacePrompt")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(title)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(text)
        record = box.addButton("&Record anyway", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)

        def finished(_result):
            self.prompt = None
            self.w.activateWindow()  # the keyboard goes back to the window, not the desktop
            if box.clickedButton() is record:
                proceed()
            elif back is not None:
                back.setFocus(Qt.FocusReason.OtherFocusReason)
            box.deleteLater()

        box.finished.connect(finished)
        self.prompt = box
        box.open()

    def _record(self, item, decision) -> None:
        w = self.w
        if w.item is None or w.item.id != item.id:
            w.statusBar().showMessage("Not recorded: the item on screen changed meanwhile", 5000)
            return
        below = self._ids_below(item.id)
        text = f"{describe(decision.verdict, decision.action)} · {item.label}"
        store = w.store
        w.queue.table.setFocus()  # never leave focus in a drop-down that the next key changes

        def recorded(_change):
            self.counts[decision.verdict] += 1
            self.decided_here.add(item.id)
            w.decision.drop_draft(item.id)
            w.decision.forget_form()

        seen, stale = self.seen, []

        def record():
            try:
                return store.record_decision(item.id, decision, expect=seen)
            except StaleItem as exc:  # changed between the key and the write transaction
                stale.append(str(exc))
                raise

        def refused(message, details):
            if stale:
                self._refused(item.id, f"Not recorded: {stale[0]}")
            else:
                w.write_failed(message, details)

        w.write(
            record,
            text,
            before_advance=recorded,
            advance=(item.id, below),
            failed=refused,
        )

    def skip(self) -> None:
        w = self.w
        item = w.item
        if item is None:
            w.statusBar().showMessage("No item on screen: select one (j / k)", 5000)
            return
        store, reviewer, below = w.store, w.reviewer, self._ids_below(item.id)

        def skipped(_change):
            self.counts["skipped"] += 1

        w.write(
            lambda: store.skip_item(item.id, reviewer),
            f"Skipped {item.label} (Ctrl+Z takes it back)",
            before_advance=skipped,
            advance=(item.id, below),
        )

    def decide_campaign(self, campaign_id: int, verdict: str) -> None:
        """One decision, from the panel's form, for every undecided member."""
        w = self.w
        decision = w.decision.build_decision(verdict, w.reviewer)
        if decision is None:
            return
        decision = replace(decision, evidence=(), hit_labels=())  # those are this item's own
        store = w.store

        def decided(change):
            n = len(change.item_ids)
            self.counts[verdict] += n
            self.decided_here.update(change.item_ids)
            w.statusBar().showMessage(
                f"{describe(verdict, decision.action)} · {n} items of C{campaign_id}", 5000
            )

        w.write(
            lambda: campaigns.decide_campaign(store, campaign_id, decision)[0],
            f"Recorded {verdict} for campaign C{campaign_id}",
            before_advance=decided,
        )

    # ------------------------------------------------------------------ undo

    def undo(self) -> None:
        w = self.w
        store, reviewer = w.store, w.reviewer

        def undone(change):
            decisions = [store.get_decision(d) for d in sorted(change.decision_ids)]
            for d in decisions:
                self.counts[d.verdict] -= 1
                self.decided_here.discard(d.item_id)
            if len(decisions) == 1:  # the form comes back as it was
                w.decision.draft_from_decision(decisions[0].item_id, decisions[0])
            w.statusBar().showMessage(self._undo_text(change, decisions), 6000)
            if change.item_ids:
                w.queue.select_item(min(change.item_ids))
            w.queue.table.setFocus()

        w.write(
            lambda: store.undo_last_step(reviewer),
            "Undid the last skip",
            after=undone,
            empty="Nothing to undo",
        )

    def _undo_text(self, change, decisions) -> str:
        if not decisions:
            return "Undo: skip of " + ", ".join(
                self.w.store.get_item(i).label for i in sorted(change.item_ids)
            )
        first = decisions[0]
        what = describe(first.verdict, first.action)
        if len(decisions) > 1:
            campaign = self.w.store.campaign_of_item(first.item_id)
            where = f" of C{campaign}" if campaign is not None else ""
            return f"Undo: {what} · {len(decisions)} items{where}"
        return f"Undo: {what} · {self.w.store.get_item(first.item_id).label}"

    # ------------------------------------------------------------------ advancing

    def _ids_below(self, item_id: int) -> list[int]:
        """Ids of the loaded rows under the item, in queue order (one more page if needed)."""
        model = self.w.queue_model
        row = model.row_of(item_id)
        if row is None:
            return []
        if row + 1 >= model.rowCount() and model.canFetchMore():
            model.fetchMore()
        return [model.item_at(r).id for r in range(row + 1, model.rowCount())]

    def advance(self, decided_id: int, below: list[int]) -> None:
        """Select the first undecided item that was below the decided one; never the top of
        the queue, never decided work. At the end, say so with the session's counts."""
        model = self.w.queue_model
        for item_id in below:
            row = model.row_of(item_id)
            if row is not None and self._undecided(model.item_at(row)):
                self.w.queue.select_item(item_id)
                return
        self.w.statusBar().showMessage(
            f"End of the queue: no undecided item below. {self.session_text()}"
        )

    def _undecided(self, item) -> bool:
        if item.id in self.decided_here or item.status in ("decided", "skipped"):
            return False
        return item.decision_id is None or item.status == SECOND_REVIEW

    def session_text(self) -> str:
        c = self.counts
        decided = c["malicious"] + c["benign"] + c["indeterminate"]
        return (
            f"This session: {decided} decided ({c['malicious']} malicious, {c['benign']} "
            f"benign, {c['indeterminate']} indeterminate), {c['skipped']} skipped."
        )
