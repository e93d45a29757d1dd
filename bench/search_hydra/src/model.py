"""The objective of the search benchmark (bench/search_hydra.py): a LogisticRegression with
regularization `C` after a scaler chosen by name, scored on the held-out part. When
`BENCH_TRIAL_LOG` is set each call appends a line to it; when `BENCH_KILL_AT` is N, the call
that finds N lines already there kills its own process with SIGKILL (a crash after N trials:
both tools run their trials in the process that drives the search)."""

import os
import signal

from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import MinMaxScaler, StandardScaler


def _count() -> None:
    log = os.environ.get("BENCH_TRIAL_LOG")
    if not log:
        return
    done = len(open(log).read().splitlines()) if os.path.exists(log) else 0
    if os.environ.get("BENCH_KILL_AT") == str(done):
        os.kill(os.getpid(), signal.SIGKILL)
    with open(log, "a") as f:
        f.write(f"{done}\n")


def evaluate(data: dict, C: float, scaler: str) -> dict:
    _count()
    scale = StandardScaler() if scaler == "standard" else MinMaxScaler()
    X_train = scale.fit_transform(data["X_train"])
    model = LogisticRegression(C=C, max_iter=5000).fit(X_train, data["y_train"])
    predicted = model.predict(scale.transform(data["X_test"]))
    return {"accuracy": float(accuracy_score(data["y_test"], predicted))}
