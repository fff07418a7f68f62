from slugline import slugify


def test_basic():
    assert slugify("Hello, World!") == "hello-world"


def test_max_length():
    assert slugify("one two three", max_length=8) == "one-two"
