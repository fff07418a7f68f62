"""Campaigns: queue items that carry the same payload, found by fingerprints and indicators.

``fingerprint`` (what makes two payloads the same), ``iocs`` (domains, URLs and IPs in code)
and ``grouping`` (grouping queue items and deciding a whole campaign at once).
"""
