"""Names that mix alphabets look like other names: flagged; text in strings is not a name."""

from app.core.capabilities.scan import scan_text


def test_a_function_name_with_a_cyrillic_letter_is_a_unicode_trick():
    src = "def \u0440ay(x):\n    return x\n\n\u0440ay(1)\n"  # Cyrillic 'р' + Latin 'ay'
    rules = {(h.capability, h.rule) for h in scan_text("pkg/m.py", src)}
    assert ("obf.unicode_trick", "py.homoglyph") in rules


def test_mixed_alphabets_inside_a_string_or_a_pure_cyrillic_name_are_not():
    src = 'greeting = "\u043f\u0440\u0438\u0432\u0435\u0442 hello"\n\u0438\u043c\u044f = 1\n'
    assert not [h for h in scan_text("pkg/m.py", src) if h.rule == "py.homoglyph"]
