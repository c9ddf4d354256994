import pytest

from xxgk.identifiers import USCC_CHARSET, region_problem, uscc_check_char, uscc_problem

REAL_CODES = [
    "91350100M000100Y43",
    "11100000000013127D",
    "91110000600037341L",
    "91440300708461136T",
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code: str) -> None:
    assert uscc_problem(code) is None
    assert uscc_check_char(code[:17]) == code[17]


@pytest.mark.parametrize("code", REAL_CODES)
@pytest.mark.parametrize("position", range(18))
def test_single_change_is_detected(code: str, position: int) -> None:
    old = code[position]
    new = USCC_CHARSET[(USCC_CHARSET.index(old) + 1) % len(USCC_CHARSET)]
    changed = code[:position] + new + code[position + 1 :]
    assert uscc_problem(changed) == "check_digit"


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("91350100m000100y43", None),
        (" 9135 0100 M000 100Y43 ", None),
        ("９１３５０１００Ｍ０００１００Ｙ４３", None),
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("", "length"),
        ("91350100O000100Y43", "charset"),
        ("91350100I000100Y43", "charset"),
        ("91350100M000100Z43", "charset"),
        ("91350100M000100S43", "charset"),
        ("91350100M000100V43", "charset"),
        ("91350100M000100Y4-", "charset"),
        ("91350100M000100Y44", "check_digit"),
        ("11100000000013127E", "check_digit"),
    ],
)
def test_uscc_problem(code: str, problem: str | None) -> None:
    assert uscc_problem(code) == problem


def test_check_char_makes_valid_codes() -> None:
    for body in ["91350100M000100Y4", "12345678901234567", "00000000000000000", "YYYYYYYYYYYYYYYYY"]:
        assert uscc_problem(body + uscc_check_char(body)) is None


@pytest.mark.parametrize("bad", ["9135", "91350100M000100YO", "91350100M000100Y43"])
def test_check_char_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ValueError):
        uscc_check_char(bad)


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("350100", None),
        ("110000", None),
        ("659001", None),
        ("710000", None),
        ("810000", None),
        ("820000", None),
        (" 350100 ", None),
        ("35010", "format"),
        ("3501000", "format"),
        ("35O100", "format"),
        ("３５０１００", "format"),
        ("", "format"),
        ("000000", "province"),
        ("160000", "province"),
        ("240000", "province"),
        ("380000", "province"),
        ("470000", "province"),
        ("550000", "province"),
        ("660000", "province"),
        ("720000", "province"),
        ("830000", "province"),
        ("990000", "province"),
    ],
)
def test_region_problem(code: str, problem: str | None) -> None:
    assert region_problem(code) == problem
