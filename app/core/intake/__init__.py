"""Intake: reports arriving from outside -- the inbox folder of JSON reports and its watcher."""
