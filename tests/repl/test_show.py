"""Values printed in `.ib` notation, guided by their types."""

import numpy as np

from ibc.repl.show import show, with_type
from ibc.base.typeterms import DictType, ListType, Prim, RecordType, TupleType

INT, FLOAT, STR = Prim("Int"), Prim("Float"), Prim("Str")


def test_a_record_prints_as_a_record_and_a_dict_as_a_dict():
    metrics = {"accuracy": 0.5, "name": "lr"}
    record_t = RecordType((("accuracy", FLOAT), ("name", STR)))
    assert show(metrics, record_t) == '{accuracy = 0.5, name = "lr"}'
    assert show(metrics, DictType(STR, STR)) == '{"accuracy": 0.5, "name": "lr"}'


def test_scalars_tuples_and_lists():
    assert show(np.float64(0.25), FLOAT) == "0.25"
    assert show(True) == "True" and show(None) == "None"
    assert show((1,), TupleType((INT,))) == "(1,)"
    assert show([1, 2], ListType(INT)) == "[1, 2]"
    assert show(list(range(105))).endswith(", … (5 more)]")


def test_the_type_goes_under_a_value_of_several_lines():
    assert with_type("3", "Int") == "3 : Int"
    assert with_type("a\nb", "Array") == "a\nb\n: Array"
