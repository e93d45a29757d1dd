"""The shared preprocessing of the search benchmark (bench/search_hydra.py): a deliberate
two-second cost (as a real feature pipeline has), then the breast-cancer data split once."""

import time

from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split


def preprocess(seed: int, seconds: float = 2.0) -> dict:
    time.sleep(seconds)
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=seed)
    return {"X_train": X_train, "X_test": X_test, "y_train": y_train, "y_test": y_test}
