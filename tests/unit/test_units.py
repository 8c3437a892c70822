from decimal import Decimal

import pytest

from firegrid.units import fen_to_yuan, per_capita, wan_to_persons, wanyuan_to_fen, yuan_to_fen


def test_money_is_exact_in_fen() -> None:
    # Beibei 2016 direct loss 353.8242 万元 = 3,538,242.00 元
    assert wanyuan_to_fen("353.8242") == 353_824_200
    assert fen_to_yuan(wanyuan_to_fen("2481.4353")) == Decimal("24814353.00")
    assert yuan_to_fen("950620.9") == 95_062_090


def test_population_in_wan() -> None:
    assert wan_to_persons("39.6") == 396_000


def test_rate_refuses_zero_population() -> None:
    assert per_capita(1, 396_000, 100_000) == pytest.approx(0.2525, abs=1e-4)
    with pytest.raises(ValueError, match="population must be positive"):
        per_capita(1, 0, 100_000)
