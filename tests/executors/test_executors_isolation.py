"""What `run_call` hands a stage (docs/running.md, "Purity"): its own view of each input, so
that nothing it does reaches the caller's values, and the names of the inputs it changed —
never a pure call's."""

from __future__ import annotations

import enum
import threading
from collections import namedtuple
from pathlib import Path

import numpy as np
import pandas as pd
from ibc.runtime.executors import Call, run_call

Point = namedtuple("Point", "x y")


class Colour(enum.Enum):
    RED = 1


class Holder:
    """An object of the user's class, with a set that pickles in another order once copied."""

    def __init__(self) -> None:
        self.items = [1, 2]
        self.weights = np.arange(4.0)
        self.tags = {f"t{i}" for i in range(1000)}  # a large table left by the discards:
        for i in range(990):  # its copy's set iterates, hence pickles, in another order
            self.tags.discard(f"t{i}")


def pure(*args, **kwargs):
    return len(args) + len(kwargs)


def same_object(a, b):
    return a is b


def add_column(df):
    df["new"] = 1
    df.iloc[0, 0] = -1
    return df


def rename_index(df):
    df.index.name = "renamed"
    df.attrs["note"] = "x"
    return df


def replace_element(xs):
    xs[0] = np.zeros(2)
    return 0


def fill_weights(holder):
    holder.weights[0] = 9.0
    return 0


def replace_weights(holder):
    holder.weights = holder.weights + 1.0
    return 0


def fitted_forest():
    from sklearn.ensemble import RandomForestClassifier

    X = np.random.default_rng(0).random((60, 3))
    return RandomForestClassifier(n_estimators=5, random_state=0).fit(X, X[:, 0] > 0.5)


def test_an_object_whose_copy_pickles_differently_is_not_reported():
    import pickle

    holder = Holder()
    assert pickle.dumps(holder, 5) != pickle.dumps(pickle.loads(pickle.dumps(holder, 5)), 5)
    assert run_call(Call(pure, [holder], {})).mutated == []


def test_pure_calls_on_every_kind_of_value_report_nothing():
    frame = pd.DataFrame({"a": [1, 2], "b": [3.0, 4.0]})
    everything = [
        1,
        2.5,
        "s",
        b"b",
        None,
        (1, "a"),
        Point(1, [2]),
        frozenset({1}),
        Path("data.csv"),
        Colour.RED,
        np.float64(1.0),
        np.ones(3),
        frame,
        frame["a"],
        frame.index,
        pd.Timestamp("2026-01-01"),
        [1, 2, 3],
        {"train": frame, "test": [frame, np.zeros(2)]},
        {1, 2},
        Holder(),
        fitted_forest(),
        np.random.default_rng(0),
        len,
        Holder,
    ]
    outcome = run_call(Call(pure, everything, {"extra": {"k": [1]}}))
    assert outcome.ok and outcome.value == len(everything) + 1
    assert outcome.mutated == []


def test_a_dataframe_written_into_is_the_stage_own_copy():
    frame = pd.DataFrame({"a": [1, 2], "b": [3.0, 4.0]})
    outcome = run_call(Call(add_column, [frame], {}))
    assert outcome.ok and outcome.mutated == []  # isolated, so its result is right
    assert list(outcome.value.columns) == ["a", "b", "new"] and outcome.value.iloc[0, 0] == -1
    assert list(frame.columns) == ["a", "b"] and frame.iloc[0, 0] == 1
    series = frame["b"]
    assert run_call(Call(add_column, [frame], {})).ok
    assert series.tolist() == [3.0, 4.0]
    renamed = run_call(Call(rename_index, [frame], {}))
    assert renamed.value.index.name == "renamed" and frame.index.name is None
    assert frame.attrs == {}


def test_frames_inside_a_record_are_copies_too():
    frame = pd.DataFrame({"a": [1, 2]})
    data = {"train": frame}
    outcome = run_call(Call(lambda d: add_column(d["train"]).shape[1], [data], {}))
    assert outcome.ok and outcome.value == 2 and outcome.mutated == []
    assert list(frame.columns) == ["a"] and data["train"] is frame


def test_a_list_element_replaced_by_an_array_is_reported():
    xs = [np.ones(2), 1]
    outcome = run_call(Call(replace_element, [xs], {}, arg_names=("xs",)))
    assert outcome.mutated == ["argument 1 (`xs`)"]
    assert xs[0].tolist() == [1.0, 1.0]


def test_arrays_inside_an_object_are_read_only_and_a_replaced_one_is_reported():
    holder = Holder()
    outcome = run_call(Call(fill_weights, [holder], {}))
    assert not outcome.ok and "read-only" in outcome.error_text
    assert holder.weights[0] == 0.0 and holder.weights.flags.writeable
    replaced = run_call(Call(replace_weights, [holder], {}))
    assert replaced.ok and replaced.mutated == ["argument 1 (`holder`)"]


def test_numpy_array_subclasses_are_read_only_views_too():
    for array in (np.rec.array([(1, 2.0)], dtype=[("a", int), ("b", float)]), np.ma.ones(3)):
        outcome = run_call(Call(lambda a: a.flags.writeable, [array], {}))
        assert outcome.ok and outcome.value is False and array.flags.writeable


class Tally:
    """A callable object that counts its calls in itself (a stage must not do that)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        return x


def test_a_function_value_that_changes_itself_is_named():
    tally = Tally()
    outcome = run_call(Call(tally, [1], {}))
    assert outcome.ok and outcome.mutated == ["function value"] and tally.calls == 0
    assert run_call(Call(lambda x: x, [1], {})).mutated == []


def test_check_purity_reports_a_write_into_an_object_array_instead_of_failing():
    holder = Holder()
    outcome = run_call(Call(fill_weights, [holder], {}, check_purity=True))
    assert outcome.ok and outcome.mutated == ["argument 1 (`holder`)"]
    assert holder.weights[0] == 0.0


def test_one_object_given_twice_is_handed_as_one_object():
    xs = [1, 2]
    assert run_call(Call(same_object, [xs, xs], {})).value is True
    holder = Holder()
    assert run_call(Call(same_object, [holder], {"b": holder})).value is True


def test_a_list_holding_itself_is_copied_with_its_cycle():
    xs: list = [1]
    xs.append(xs)
    outcome = run_call(Call(lambda v: v[1] is v, [xs], {}))
    assert outcome.ok and outcome.value is True and outcome.mutated == []


def test_a_value_pickle_cannot_copy_is_passed_as_it_is_unchecked():
    lock = threading.Lock()
    box = {"lock": lock}
    outcome = run_call(Call(lambda d: d["lock"] is lock, [box], {}))
    assert outcome.ok and outcome.value is True and outcome.mutated == []


def test_check_purity_hashes_frames_and_arrays_too():
    frame = pd.DataFrame({"a": [1, 2]})
    outcome = run_call(Call(add_column, [frame], {}, check_purity=True, arg_names=("df",)))
    assert outcome.ok and outcome.mutated == ["argument 1 (`df`)"]
    assert list(frame.columns) == ["a"]


def test_a_pure_estimator_method_reports_nothing():
    forest = fitted_forest()
    X = np.random.default_rng(1).random((5, 3))
    outcome = run_call(Call(forest, [X], {}, method="predict"))
    assert outcome.ok and outcome.mutated == [] and len(outcome.value) == 5
