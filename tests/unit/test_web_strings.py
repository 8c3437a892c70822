"""Every status reason the indicator engine can give has a Chinese and an English text on the
dashboard (a missing one would show the raw code to the user)."""

from firegrid.indicators.kernels import Reason
from firegrid.web.i18n import STRINGS


def test_every_indicator_reason_has_a_label_in_both_languages() -> None:
    missing = [r.value for r in Reason if f"reason_{r.value}" not in STRINGS]
    assert missing == []
    for r in Reason:
        zh, en = STRINGS[f"reason_{r.value}"]
        assert zh and en and zh != en
