"""run_call: values, captured output, failures as outcomes, methods, read-only inputs, purity."""

import pickle
import sys

import numpy as np
import pytest

from ibc.runtime.executors import Call, LocalExecutor, Outcome, run_call
from ibc.runtime.values import Ref


def add(a, b=0):
    return a + b


def chatty(x):
    print("hello from", x)
    print("warning!", file=sys.stderr)
    return x * 2


def fails(x):
    raise ValueError(f"bad value {x}")


def interrupted():
    raise KeyboardInterrupt


def writes_into(X, y):
    X[0] = 99
    return X.sum()


def appends(items, *, extra):
    extra.append(1)
    return len(items)


def reads(X, y):
    return float(X.sum() + y.sum())


def nested_sum(data):
    return data["a"][0].sum()


def nested_write(data):
    data["a"][0][0] = 5


class Unpicklable(Exception):
    def __init__(self, a, b):  # pickles, but cannot be rebuilt from its args
        super().__init__(f"{a}/{b}")


def raises_odd():
    raise Unpicklable(1, 2)


def test_value_and_duration():
    outcome = run_call(Call(add, [1], {"b": 2}))
    assert outcome.ok and outcome.value == 3 and outcome.error is None
    assert outcome.seconds >= 0 and outcome.mutated == []


def test_ref_is_resolved_in_the_running_process():
    outcome = run_call(Call(Ref("math", "sqrt"), [16.0], {}))
    assert outcome.ok and outcome.value == 4.0


def test_output_is_captured_and_written_through(capsys):
    outcome = run_call(Call(chatty, [21], {}))
    assert outcome.value == 42
    assert outcome.stdout == "hello from 21\n"
    assert outcome.stderr == "warning!\n"
    seen = capsys.readouterr()
    assert "hello from 21" in seen.out and "warning!" in seen.err
    assert not type(sys.stdout).__name__ == "_Tee"  # the tee is removed afterwards


def test_capture_off_records_nothing(capsys):
    outcome = run_call(Call(chatty, [1], {}, capture=False))
    assert outcome.stdout == "" and "hello from 1" in capsys.readouterr().out


def test_exception_becomes_an_outcome_with_user_frames():
    outcome = run_call(Call(fails, [7], {}, label="fails"))
    assert not outcome.ok and outcome.value is None
    assert outcome.error_type == "ValueError"
    assert outcome.error_text == "bad value 7"
    assert isinstance(outcome.error, ValueError)
    assert "in fails" in outcome.traceback and "raise ValueError" in outcome.traceback
    assert "executors.py" not in outcome.traceback  # the runtime's frames are trimmed
    assert outcome.traceback.rstrip().endswith("ValueError: bad value 7")


def test_import_failure_is_an_outcome():
    outcome = run_call(Call(Ref("no_such_module_xyz", "f", local="f"), [], {}))
    assert not outcome.ok and outcome.error_type.endswith("ImportFailure")
    assert "no_such_module_xyz" in outcome.error_text


def test_keyboard_interrupt_propagates():
    with pytest.raises(KeyboardInterrupt):
        run_call(Call(interrupted, [], {}))
    assert type(sys.stdout).__name__ != "_Tee"


def test_outcome_pickles_with_and_without_a_rebuildable_error():
    outcome = pickle.loads(pickle.dumps(run_call(Call(fails, [1], {}))))
    assert isinstance(outcome.error, ValueError) and outcome.traceback
    odd = pickle.loads(pickle.dumps(run_call(Call(raises_odd, [], {}))))
    assert odd.error is None  # cannot be rebuilt here; the text remains
    assert odd.error_type.endswith("Unpicklable") and odd.error_text == "1/2"


def test_method_call():
    outcome = run_call(Call("a,b", [","], {}, method="split"))
    assert outcome.value == ["a", "b"]
    outcome = run_call(Call(Ref("collections", "OrderedDict"), ["ab"], {}, method="fromkeys"))
    assert outcome.ok and list(outcome.value) == ["a", "b"]


def test_method_on_an_array_receiver_is_read_only():
    X = np.array([3, 1, 2])
    outcome = run_call(Call(X, [], {}, method="sort"))
    assert not outcome.ok and "read-only" in outcome.error_text
    assert list(X) == [3, 1, 2]


def test_arrays_are_read_only_views_and_the_caller_keeps_its_flags():
    X = np.zeros(3)
    y = np.ones(3)
    for _ in range(2):  # fails the same way on every run
        outcome = run_call(Call(writes_into, [X, y], {}))
        assert not outcome.ok and outcome.error_type == "ValueError"
        assert "assignment destination is read-only" in outcome.error_text
    assert X.flags.writeable and X[0] == 0
    X[1] = 1.0  # still writable for the caller
    assert run_call(Call(reads, [X], {"y": y})).value == 4.0


def test_nested_arrays_are_read_only_too():
    data = {"a": [np.arange(3)], "b": "keep"}
    assert run_call(Call(nested_sum, [data], {})).value == 3
    outcome = run_call(Call(nested_write, [data], {}))
    assert not outcome.ok and "read-only" in outcome.error_text
    assert data["a"][0][0] == 0 and data["a"][0].flags.writeable


def test_check_purity_names_the_mutated_argument():
    X = np.zeros(3)
    outcome = run_call(Call(writes_into, [X, np.ones(2)], {}, check_purity=True, arg_names=("X",)))
    assert outcome.ok  # writable copies: the write succeeds ...
    assert outcome.mutated == ["argument 1 (`X`)"]  # ... and is reported
    assert X[0] == 0  # on a copy: the caller's array is untouched


def test_check_purity_names_keywords_and_passes_pure_functions():
    outcome = run_call(Call(appends, [[1]], {"extra": []}, check_purity=True))
    assert outcome.mutated == ["keyword `extra`"]
    pure = run_call(
        Call(reads, [np.ones(2), np.ones(2)], {}, check_purity=True, arg_names=("X", "y"))
    )
    assert pure.ok and pure.mutated == [] and pure.value == 4.0


def test_check_purity_skips_unpicklable_arguments():
    outcome = run_call(Call(lambda f: f(), [lambda: 1], {}, check_purity=True))
    assert outcome.ok and outcome.value == 1 and outcome.mutated == []


def test_local_executor_returns_a_done_future():
    executor = LocalExecutor()
    future = executor.submit(Call(add, [2, 3], {}))
    assert future.done() and isinstance(future.result(), Outcome) and future.result().value == 5
    assert executor.parallel is False and executor.jobs == 1
    executor.close()


def test_check_purity_watches_a_method_receiver():
    outcome = run_call(Call([3, 1, 2], [], {}, method="sort", check_purity=True))
    assert outcome.mutated == ["receiver (the object of `.sort`)"]


def slow_print(tag):
    import time

    for _ in range(5):
        print(tag)
        time.sleep(0.01)
    return tag


def test_concurrent_calls_in_threads_capture_their_own_output():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as threads:
        outcomes = list(threads.map(lambda t: run_call(Call(slow_print, [t], {})), ["a", "b"]))
    assert outcomes[0].stdout == "a\n" * 5 and outcomes[1].stdout == "b\n" * 5
    assert type(sys.stdout).__name__ != "_Tee"


def test_check_purity_takes_argument_names_from_the_signature():
    outcome = run_call(Call(writes_into, [np.zeros(3), np.ones(2)], {}, check_purity=True))
    assert outcome.mutated == ["argument 1 (`X`)"]
