"""Input-error helpers: one error per distinct bad answer, placed by row, never quoting the answer."""
from __future__ import annotations

import pytest

from mentoring_lib.errors import InputError, InputErrors, per_answer, raise_all


def test_per_answer_places_each_answer_at_its_first_row_and_lists_the_others():
    errors = per_answer([[9, 4, 30], [2], list(range(40, 48))], "not an attendance mark", file="a.xlsx",
                        column="Meeting 1", hint="use x")
    assert [e.row for e in errors] == [2, 4, 40]
    assert errors[0].render() == "file a.xlsx, row 2, column 'Meeting 1': not an attendance mark\n  What to do: use x"
    assert errors[1].message.endswith("not an attendance mark (the same answer in rows 9, 30)")
    assert errors[2].message.endswith("(the same answer in rows 41, 42, 43, 44, 45 and 2 more)")


def test_raise_all_raises_one_error_or_all_of_them():
    raise_all([])
    one = InputError("bad", row=2)
    with pytest.raises(InputError) as e:
        raise_all([one])
    assert e.value is one
    with pytest.raises(InputErrors) as e:
        raise_all([one, InputError("worse", row=3)])
    assert [x.row for x in e.value.errors] == [2, 3]
