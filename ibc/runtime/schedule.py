"""A scheduler of generator tasks: demand-driven evaluation without recursion, run in parallel
where an executor allows.

A task is a generator that computes one result (the identity or the value of one node …).
It asks for what it needs by yielding a request:

- `Need(kind, node)`: the result of another task; the generator is resumed with it (or has the
  dependency's failure thrown into it);
- a list of `Need`s: all of them, resumed with the list of results (the first failure is
  thrown, without waiting for the rest);
- `Submit(call)`: run a stage through the executor; resumed with its `Outcome` when done.

Tasks are identified by `(kind, node key)`: a task asked for by several others runs once and
delivers to all of them, and a finished task's result is kept (`Tasks.known`) so it is never
recomputed in the run. The ready queue is depth-first (a new task and a resumed one go to the
front), so with an in-process executor one target is finished before the next is started; with
a parallel executor every stage that can be submitted is submitted before the scheduler waits
for one to finish. Nothing recurses: a chain of 10,000 stages needs no deeper Python stack than
a chain of two.
"""

from __future__ import annotations

from collections import deque
from typing import Callable, Iterator

from ibc.runtime.errors import StageFailure


class Need:
    __slots__ = ("kind", "node")

    def __init__(self, kind: int, node) -> None:
        self.kind = kind
        self.node = node


class Submit:
    __slots__ = ("call",)

    def __init__(self, call) -> None:
        self.call = call


class Task:
    __slots__ = ("tid", "node", "gen", "parents", "pending", "results", "serial", "owner")

    def __init__(self, tid, node, gen: Iterator, owner) -> None:
        self.tid = tid
        self.node = node
        self.gen = gen
        self.parents: list[tuple[Task | None, int, int]] = []  # (task, slot, serial)
        self.pending = 0
        self.results: list | None = None
        self.serial = 0
        self.owner = owner  # what the task is computed for (an experiment's name), for progress


class Tasks:
    """What a scheduler needs from an evaluator: `known(kind, node)` (a result computed before,
    or `MISSING`; raises the `StageFailure` of a task that failed), `task(kind, node)` (a new
    generator), `finished(kind, node, result)` and `failed(kind, node, failure)` (to remember
    them), and `error(node, exc)` (the `StageFailure` for an exception a task raised)."""


MISSING = object()


def run(
    tasks,
    executor,
    roots: list[tuple[int, object, object]],
    on_root: Callable[[int, object, StageFailure | None], None],
) -> None:
    """Run the tasks for `roots` (`(kind, node, owner)`) to completion; `on_root(i, result,
    failure)` is called as each root finishes."""
    ready: deque = deque()
    active: dict = {}
    in_flight: dict = {}

    def deliver(task: Task | None, slot: int, serial: int, value, failure) -> None:
        if task is None:  # a root
            on_root(slot, value, failure)
            return
        if serial != task.serial:
            return  # the task already moved on (a failure was thrown into it)
        if failure is not None:
            task.serial += 1
            ready.appendleft((task, None, failure))
            return
        if task.results is None:
            ready.appendleft((task, value, None))
            return
        task.results[slot] = value
        task.pending -= 1
        if task.pending == 0:
            results, task.results = task.results, None
            ready.appendleft((task, results, None))

    def need(parent: Task | None, slot: int, serial: int, kind: int, node, owner) -> None:
        try:
            known = tasks.known(kind, node)
        except StageFailure as failure:
            deliver(parent, slot, serial, None, failure)
            return
        if known is not MISSING:
            deliver(parent, slot, serial, known, None)
            return
        tid = (kind, node.key)
        task = active.get(tid)
        if task is None:
            task = Task(tid, node, tasks.task(kind, node), owner)
            active[tid] = task
            task.parents.append((parent, slot, serial))
            ready.appendleft((task, None, None))
        else:
            task.parents.append((parent, slot, serial))

    def finish(task: Task, value, failure) -> None:
        del active[task.tid]
        kind, node = task.tid[0], task.node
        if failure is None:
            tasks.finished(kind, node, value)
        else:
            tasks.failed(kind, node, failure)
        for parent, slot, serial in task.parents:
            deliver(parent, slot, serial, value, failure)

    def step(task: Task, send, throw) -> None:
        tasks.owner = task.owner
        try:
            if throw is not None:
                request = task.gen.throw(throw)
            else:
                request = task.gen.send(send)
        except StopIteration as stop:
            finish(task, stop.value, None)
            return
        except StageFailure as failure:
            finish(task, None, failure)
            return
        except Exception as exc:  # noqa: BLE001 - an operator, a field read … failed
            finish(task, None, tasks.error(task.node, exc))
            return
        task.serial += 1
        serial = task.serial
        if isinstance(request, Need):
            task.results = None
            need(task, 0, serial, request.kind, request.node, task.owner)
        elif isinstance(request, list):
            if not request:
                ready.appendleft((task, [], None))
                return
            task.results = [None] * len(request)
            task.pending = len(request)
            for slot, item in enumerate(request):
                need(task, slot, serial, item.kind, item.node, task.owner)
                if task.serial != serial:
                    break  # one of them failed at once: the rest are not needed now
        elif isinstance(request, Submit):
            future = executor.submit(request.call)
            if future.done():
                ready.appendleft((task, future.result(), None))
            else:
                in_flight[future] = task
        else:  # pragma: no cover - a bug in a task
            raise TypeError(f"a task yielded {request!r}")

    for index, (kind, node, owner) in enumerate(roots):
        before = len(ready)
        need(None, index, 0, kind, node, owner)
        if len(ready) > before:  # roots go to the back: the depth-first queue takes them in order
            ready.append(ready.popleft())

    while ready or in_flight:
        while ready:
            task, send, throw = ready.popleft()
            step(task, send, throw)
        if in_flight:
            from concurrent.futures import FIRST_COMPLETED, wait

            done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for future in done:
                task = in_flight.pop(future)
                ready.appendleft((task, future.result(), None))
