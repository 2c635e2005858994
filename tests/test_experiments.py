"""mitchell.experiments: tiny runs of the pipeline (data, training, statistics, report, CLI)."""

import argparse
import json
import random
import sys

import numpy as np
import pytest

import mitchell
from mitchell import experiments
from mitchell.experiments import data, runner, speed, stats


def test_summary_and_paired_statistics():
    # by hand: mean 0.8, deviations -0.1, 0, 0.1 -> sample std 0.1
    assert stats.summarize([0.7, 0.8, 0.9]) == {"mean": 0.8, "std": 0.1, "n": 3}
    # differences -0.02, -0.02, -0.05: mean -0.03, sample std sqrt(0.0009 * 2 / 2... ) = 0.017320508
    p = stats.paired([0.78, 0.80, 0.80], [0.80, 0.82, 0.85])
    assert p["diff"] == pytest.approx(-0.03)
    assert p["se"] == pytest.approx(np.std([-0.02, -0.02, -0.05], ddof=1) / np.sqrt(3))
    assert stats.summarize([0.5])["std"] == 0.0
    with pytest.raises(ValueError, match="as many values"):
        stats.paired([1.0], [1.0, 2.0])


def test_conditions_follow_the_available_modes():
    names = [c for c, _, _ in runner.conditions(("exact", "mitchell", "lmul", "biasfree", "other"))]
    assert names == ["exact", "post:mitchell", "post:lmul", "post:biasfree", "post:other",
                     "int8:exact", "int8:mitchell", "int8:lmul", "int8:biasfree", "int8:other",
                     "train:mitchell", "train:lmul", "train:biasfree"]


def test_mnist1d_is_generated_once_cached_and_leaves_the_global_random_state(tmp_path):
    pytest.importorskip("mnist1d")
    np.random.seed(123)
    random.seed(7)
    np_state, py_value = np.random.get_state()[1].copy(), random.getstate()
    first = data.load("mnist1d", cache=tmp_path)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)
    assert random.getstate() == py_value
    assert first.x_train.shape == (4000, 40) and first.x_test.shape == (1000, 40)
    assert first.x_train.dtype == np.float32 and first.classes == 10
    assert "generated" in first.source
    assert (tmp_path / "mnist1d-make_dataset-default.npz").exists()
    second = data.load("mnist1d", cache=tmp_path)
    assert "cached" in second.source
    np.testing.assert_array_equal(first.x_train, second.x_train)
    np.testing.assert_array_equal(first.y_test, second.y_test)
    assert abs(float(first.x_train.mean())) < 1e-5          # standardised with the training statistics


def test_missing_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"mitchell\[experiments\]"):
        data.load("digits")


def test_unknown_names_raise():
    with pytest.raises(ValueError, match="unknown data set"):
        data.load("cifar")
    with pytest.raises(ValueError, match="unknown experiment"):
        runner.run_experiment("cifar")
    with pytest.raises(ValueError, match="unknown model 'rnn'"):
        runner.run_experiment("digits", 1, epochs=1, models=["rnn"])


def test_tiny_digits_run_record():
    pytest.importorskip("sklearn")
    calls = []
    record = runner.run_experiment("digits", 2, epochs=2, models=["mlp"],
                                   progress=lambda done, total: calls.append((done, total)))
    json.dumps(record)                                       # serialisable
    m = record["models"]["mlp"]
    conds = [c for c, _, _ in runner.conditions()]
    assert list(m["results"]) == conds
    exact = m["results"]["exact"]["accuracy"]
    assert exact == [c[-1] for c in m["curves"]["exact"]["test_acc"]]
    for cond, r in m["results"].items():
        assert len(r["accuracy"]) == 2 and all(0 <= a <= 1 for a in r["accuracy"])
        if cond != "exact":
            assert r["diff"] == pytest.approx(np.mean(np.subtract(r["accuracy"], exact)))
    assert exact[0] > 0.5                                    # two epochs learn the digits
    assert len(m["curves"]["mitchell"]["train_loss"][0]) == 2
    trained = ["exact"] + [mode for _, kind, mode in runner.conditions() if kind == "train"]
    assert "mitchell" in trained and set(m["train_seconds"]) == set(trained)
    # progress: every epoch of 2 seeds x each training x 2 epochs reported, ending at the total
    total = 2 * len(trained) * 2
    assert calls[-1] == (total, total) and len(calls) == total


def test_variants_are_trained_when_available(monkeypatch):
    pytest.importorskip("sklearn")
    real = mitchell.matmul
    seen = set()

    def matmul(a, b, *, variant=None):
        seen.add(variant)
        return real(a, b)

    monkeypatch.setattr(mitchell, "variants", {"mitchell": None, "lmul": None}, raising=False)
    monkeypatch.setattr(mitchell, "matmul", matmul)
    record = runner.run_experiment("digits", 1, epochs=1, models=["mlp"])
    results = record["models"]["mlp"]["results"]
    assert {"post:lmul", "int8:lmul", "train:lmul"} <= set(results)
    assert "lmul" in record["models"]["mlp"]["curves"] and seen == {None, "lmul"}


def test_cli_writes_json_and_plots(tmp_path, capsys):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    parser = argparse.ArgumentParser()
    experiments.add_arguments(parser)
    args = parser.parse_args(["digits", "--seeds", "1", "--epochs", "1", "--model", "cnn", "--quiet",
                              "--json", str(tmp_path / "r.json"), "--plot", str(tmp_path / "img")])
    assert experiments.run(args) == 0
    out = capsys.readouterr().out
    assert "| cnn | trained exactly | exact |" in out and "CPU time ratio to exact" in out
    record = json.loads((tmp_path / "r.json").read_text())
    assert record["experiment"] == "digits" and record["seeds"] == 1
    png = (tmp_path / "img" / "digits-cnn.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_speed_measure_small():
    record = speed.measure(batch=8, features=32, repeats=2)
    assert record["macs"] == 8 * 32 * 32
    for row in record["rows"].values():
        assert row["seconds"] > 0 and row["gmacs"] > 0
    assert "nn.Linear mitchell" in speed.table(record)


@pytest.mark.parametrize("module", [stats, runner, data, speed], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    import doctest

    if module in (runner, data):
        pytest.importorskip("sklearn")
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0


def test_training_time_measurement_small():
    pytest.importorskip("sklearn")
    record = speed.measure_training("digits", epochs=1, repeats=1)
    for model in ("mlp", "cnn"):
        rows = record["models"][model]
        assert rows["exact"]["ratio_to_exact"] == 1.0 and rows["mitchell"]["cpu_seconds_per_epoch"] > 0
    assert "| cnn | mitchell |" in speed.training_table(record)


def test_cli_reports_a_missing_extra(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    parser = argparse.ArgumentParser()
    experiments.add_arguments(parser)
    assert experiments.run(parser.parse_args(["digits", "--quiet"])) == 2
    assert "pip install 'mitchell[experiments]'" in capsys.readouterr().err
