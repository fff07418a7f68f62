from tinyhttp_utils.headers import parse_content_type


def test_content_type():
    assert parse_content_type("text/html; charset=UTF-8") == ("text/html", {"charset": "UTF-8"})
