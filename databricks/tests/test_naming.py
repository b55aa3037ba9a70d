import pytest

from pinterest_etl import naming


def test_names_derive_from_the_prefix() -> None:
    assert naming.topic_name("pin-dev", "pin") == "pin-dev.pin"
    assert naming.stream_name("pin-dev", "geo") == "streaming-pin-dev-geo"
    assert naming.cleaned_table_name("pin-dev", "user") == "pin_dev_user"
    assert naming.stream_table_name("pin-dev", "pin") == "pin_dev_pin_stream"
    assert naming.stream_malformed_table_name("pin-dev", "pin") == "pin_dev_pin_stream_malformed"
    assert naming.malformed_table_name("0a1b2c3d4e5f") == "0a1b2c3d4e5f_malformed"


@pytest.mark.parametrize("prefix", ["", "-dev", "pin dev", "pin.dev", "pin/dev", None])
def test_invalid_prefix_is_rejected_with_the_value(prefix) -> None:
    with pytest.raises(ValueError, match="invalid prefix"):
        naming.topic_name(prefix, "pin")


def test_unknown_table_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown table 'pins'"):
        naming.topic_name("pin-dev", "pins")
