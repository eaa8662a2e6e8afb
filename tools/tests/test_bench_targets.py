"""Tests of tools/bench/targets.py (pass / margin / fail per target) and of the targets table in results.md."""

import glob
import os

import pytest

from tools.bench import runner
from tools.bench.targets import TARGETS, Target, evaluate, markdown_lines, summary, text_lines

SECTIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench", "sections")


def _verdicts(results, targets):
    return {r.metric: r.verdict for r in evaluate(results, targets)}


@pytest.mark.parametrize(
    "value, verdict", [(0.53, "pass"), (0.6, "pass"), (0.525, "margin"), (0.52, "margin"), (0.515, "fail")]
)
def test_accuracy_needs_one_point(value, verdict):
    t = [Target("a1.two_layer.test_acc", ">=", 0.52, "acc", 19)]
    assert _verdicts({"a1.two_layer.test_acc": value}, t) == {"a1.two_layer.test_acc": verdict}


@pytest.mark.parametrize(
    "value, verdict", [(1.35, "pass"), (1.0, "pass"), (1.4, "margin"), (1.5, "margin"), (1.51, "fail")]
)
def test_ratio_needs_ten_percent(value, verdict):
    t = [Target("a2.cnn.epoch_ratio_vs_torch", "<=", 1.5, "rel", 19)]
    assert _verdicts({"a2.cnn.epoch_ratio_vs_torch": value}, t) == {"a2.cnn.epoch_ratio_vs_torch": verdict}


def test_seconds_and_larger_is_better_ratio():
    t = [Target("a2.torch.epoch_seconds", "<=", 60, "rel", 19), Target("a2.conv.speedup_vs_naive", ">=", 200, "rel", 6)]
    assert _verdicts({"a2.torch.epoch_seconds": 55, "a2.conv.speedup_vs_naive": 219}, t) == {
        "a2.torch.epoch_seconds": "margin",
        "a2.conv.speedup_vs_naive": "margin",
    }
    assert _verdicts({"a2.torch.epoch_seconds": 54, "a2.conv.speedup_vs_naive": 220}, t) == {
        "a2.torch.epoch_seconds": "pass",
        "a2.conv.speedup_vs_naive": "pass",
    }


def test_family_matches_every_shape_and_dtype_only():
    results = {
        "a2.conv.n50_k7.float64.fwdbwd_ratio_vs_gemm": 1.2,
        "a2.conv.n50_k7.float32.fwdbwd_ratio_vs_gemm": 1.45,
        "a2.conv.cnn_nodx.float32.fwdbwd_ratio_vs_gemm": 1.7,
        "a2.conv.n50_k7.float32.fwdbwd_ratio_vs_torch": 9.0,  # another metric: not this target's
    }
    t = [Target("a2.conv.*.fwdbwd_ratio_vs_gemm", "<=", 1.5, "rel", 19)]
    assert _verdicts(results, t) == {
        "a2.conv.cnn_nodx.float32.fwdbwd_ratio_vs_gemm": "fail",
        "a2.conv.n50_k7.float32.fwdbwd_ratio_vs_gemm": "margin",
        "a2.conv.n50_k7.float64.fwdbwd_ratio_vs_gemm": "pass",
    }


def test_bound_from_another_metric_and_missing_metrics():
    t = [Target("a3.transformer.val_bleu4", ">=", "a3.lstm.val_bleu4", "acc", 14)]
    assert _verdicts({"a3.transformer.val_bleu4": 0.80, "a3.lstm.val_bleu4": 0.78}, t) == {
        "a3.transformer.val_bleu4": "pass"
    }
    assert _verdicts({"a3.transformer.val_bleu4": 0.785, "a3.lstm.val_bleu4": 0.78}, t) == {
        "a3.transformer.val_bleu4": "margin"
    }
    # the bound's metric not measured, the metric itself not measured, a non-numeric value
    assert _verdicts({"a3.transformer.val_bleu4": 0.80}, t) == {"a3.transformer.val_bleu4": "not measured"}
    assert _verdicts({}, t) == {"a3.transformer.val_bleu4": "not measured"}
    t2 = [Target("a2.torch.epoch_seconds", "<=", 60, "rel", 19)]
    assert _verdicts({"a2.torch.epoch_seconds": "n/a"}, t2) == {"a2.torch.epoch_seconds": "not measured"}


def test_every_target_names_metrics_a_section_writes():
    """Each non-wildcard part of a target's metric name appears in one of its assignment's
    bench sections (catches a misspelt metric, which would stay 'not measured' for ever)."""
    for t in TARGETS:
        assignment = t.metric.split(".")[0]  # a1, a2, a3
        sources = "".join(
            open(p, encoding="utf-8").read() for p in glob.glob(os.path.join(SECTIONS, f"{assignment}_*.py"))
        )
        for part in t.metric.split(".")[1:]:
            for piece in part.split("*"):
                assert piece in sources, f"{t.metric}: {piece!r} appears in no {assignment} bench section"
        assert t.op in (">=", "<=") and t.kind in ("acc", "rel")


def test_issue_19_targets_are_listed():
    names = {t.metric: (t.op, t.bound) for t in TARGETS}
    assert names["a2.conv.*.fwdbwd_ratio_vs_gemm"] == ("<=", 1.5)
    assert names["a1.two_layer.test_acc"] == (">=", 0.52)
    assert names["a1.svm.test_acc"] == (">=", 0.38)
    assert names["a2.cnn.train_acc_1epoch"] == names["a2.cnn.val_acc_1epoch"] == (">=", 0.42)
    assert names["a2.cnn.epoch_ratio_vs_torch"] == ("<=", 2.5)
    assert names["a2.torch.epoch_seconds"] == ("<=", 60)


def test_results_md_has_the_targets_table(tmp_path):
    results = {"data": "synthetic", "a1.two_layer.test_acc": 0.515, "a2.cnn.epoch_ratio_vs_torch": 2.0}
    path = tmp_path / "results.md"
    runner.write_markdown(results, str(path))
    text = path.read_text()
    assert "## Targets" in text and "## Metrics" in text
    assert "| **FAIL** | `a1.two_layer.test_acc` | 0.515 | >= 0.52 | >= 0.53 | #19 |" in text
    assert "| pass | `a2.cnn.epoch_ratio_vs_torch` | 2 | <= 2.5 | <= 2.25 | #19 |" in text
    assert "| not measured | `a2.torch.epoch_seconds` |" in text
    counts = summary(evaluate(results))
    assert counts["pass"] == 1 and counts["fail"] == 1 and counts["margin"] == 0
    assert len(markdown_lines(results)) == 6 + len(evaluate(results))
    lines = text_lines(results)
    assert len(lines) == 2 and lines[0].startswith("fail") and "a1.two_layer.test_acc" in lines[0]
