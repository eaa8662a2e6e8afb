"""The targets the issues set for benchmark metrics, and a pass / margin / fail verdict for each.

A target is a bound on one metric (or on a family of metrics: one `*` in the name, for
example every shape's `a2.conv.*.fwdbwd_ratio_vs_gemm`). A result that meets its bound with
the margin the issues ask (`kind="acc"`: one point, 0.01 absolute, for accuracies, shares
and gains; `kind="rel"`: 10% of the bound, for times, ratios and losses) is a **pass**; one
that meets the bound but not the margin is **margin** (it passes here and may fail on the
next machine or run); one that misses the bound is **fail**. A bound may be another metric's
value (`a3.transformer.val_bleu4 >= a3.lstm.val_bleu4`). Targets are never loosened here:
change a bound only with the issue that set it.

    from tools.bench.targets import evaluate, markdown_lines
    rows = evaluate(results)           # results: metric -> value (build/bench/results.json)
"""

import fnmatch
from dataclasses import dataclass

ACC_MARGIN = 0.01  # one point of accuracy (or of a share, a gain, a BLEU score)
REL_MARGIN = 0.10  # 10% of a time, a ratio or a loss


@dataclass(frozen=True)
class Target:
    metric: str  # a metric name, or a pattern with `*` for a family of metrics
    op: str  # ">=" or "<="
    bound: object  # a number, or the name of another metric whose value is the bound
    kind: str  # "acc": margin ACC_MARGIN absolute; "rel": margin REL_MARGIN of the bound
    issue: int  # the issue that set it


TARGETS = [
    # assignment 1 (issue 4; issue 19 asks these with their margin)
    Target("a1.knn.test_acc", ">=", 0.25, "acc", 4),
    Target("a1.knn.sklearn_agreement", ">=", 0.99, "acc", 4),
    Target("a1.knn.no_loops_vs_sklearn_ratio", "<=", 1.5, "rel", 4),
    Target("a1.knn.speedup_no_loops_vs_two_loops", ">=", 100, "rel", 4),
    Target("a1.svm.val_acc", ">=", 0.39, "acc", 4),
    Target("a1.svm.test_acc", ">=", 0.38, "acc", 19),
    Target("a1.softmax.test_acc", ">=", 0.39, "acc", 4),
    Target("a1.two_layer.test_acc", ">=", 0.52, "acc", 19),
    Target("a1.features.svm_test_acc", ">=", 0.46, "acc", 4),
    Target("a1.features.net_test_acc", ">=", 0.57, "acc", 4),
    # assignment 2
    Target("a2.fc.test_acc", ">=", 0.55, "acc", 5),
    Target("a2.bn.speedup_alt_vs_graph", ">=", 1.3, "rel", 5),
    Target("a2.conv.*.fwdbwd_ratio_vs_gemm", "<=", 1.5, "rel", 19),
    Target("a2.conv.fwd_gemm_fraction_large.*", ">=", 0.40, "rel", 6),
    Target("a2.pool.float*.fwdbwd_ratio_vs_torch", "<=", 2.0, "rel", 6),
    Target("a2.conv.speedup_vs_naive", ">=", 200, "rel", 6),
    Target("a2.cnn.epoch_ratio_vs_torch", "<=", 2.5, "rel", 19),
    Target("a2.cnn.train_acc_1epoch", ">=", 0.42, "acc", 19),
    Target("a2.cnn.val_acc_1epoch", ">=", 0.42, "acc", 19),
    Target("a2.torch.challenge_test_acc", ">=", 0.85, "acc", 8),
    Target("a2.torch.epoch_seconds", "<=", 60, "rel", 19),
    Target("a2.numpy_resnet.test_acc", ">=", 0.70, "acc", 8),
    # assignment 3
    Target("a3.rnn.overfit_loss", "<=", 0.1, "rel", 7),
    Target("a3.lstm.overfit_loss", "<=", 0.1, "rel", 7),
    Target("a3.transformer.overfit_loss", "<=", 0.1, "rel", 14),
    Target("a3.transformer.val_bleu4", ">=", "a3.lstm.val_bleu4", "acc", 14),
    Target("a3.vit.test_acc", ">=", 0.65, "acc", 14),
    Target("a3.dcgan.confident_share", ">=", 0.80, "acc", 15),
    Target("a3.dcgan.min_class_share", ">=", 0.05, "acc", 15),
    Target("a3.dcgan.max_class_share", "<=", 0.15, "acc", 15),
    Target("a3.ddpm.confident_share", ">=", 0.85, "acc", 15),
    Target("a3.ddpm.min_class_share", ">=", 0.05, "acc", 15),
    Target("a3.ddpm.max_class_share", "<=", 0.15, "acc", 15),
    Target("a3.ddpm.frechet", "<=", "a3.dcgan.frechet", "rel", 15),
    Target("a3.ddpm.conditional_acc", ">=", 0.90, "acc", 15),
    Target("a3.pretrained.test_acc", ">=", 0.85, "acc", 16),
    Target("a3.fooling.success_rate", ">=", 0.95, "acc", 16),
    Target("a3.style.style_loss_reduction", ">=", 10, "rel", 16),
    Target("a3.style.final_content_loss", "<=", "a3.style.content_bound", "rel", 16),
    Target("a3.simclr.probe_gain_5k", ">=", 0.05, "acc", 17),
    Target("a3.clip.zero_shot_acc", ">=", 0.8, "acc", 17),
    Target("a3.dino.knn_gain", ">=", 0.15, "acc", 17),
]


@dataclass(frozen=True)
class Verdict:
    metric: str
    value: object  # None when not measured
    target: str  # e.g. ">= 0.52"
    needed: str  # the value that clears the margin, e.g. ">= 0.53"
    verdict: str  # "pass", "margin", "fail" or "not measured"
    issue: int


def _number(v):
    """A metric's value as a float, or None for a missing or non-numeric one (or a bool)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def _check(value, op, bound, kind):
    """'pass', 'margin' or 'fail' for a numeric value against a numeric bound, and the value
    that clears the margin."""
    margin = ACC_MARGIN if kind == "acc" else REL_MARGIN * abs(bound)
    if op == ">=":
        needed = bound + margin
        if value >= needed:
            return "pass", needed
        return ("margin" if value >= bound else "fail"), needed
    if op == "<=":
        needed = bound - margin
        if value <= needed:
            return "pass", needed
        return ("margin" if value <= bound else "fail"), needed
    raise ValueError(f"unknown comparison {op!r}: use '>=' or '<='")


def _fmt(v):
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def evaluate(results, targets=TARGETS):
    """One Verdict per target and matching metric, in TARGETS order (a family: its metrics sorted).

    A target whose metric is absent from results (its section not run) gives one
    'not measured' row; so does one whose bound is another metric that is absent."""
    rows = []
    for t in targets:
        if "*" in t.metric:
            names = sorted(k for k in results if fnmatch.fnmatchcase(k, t.metric))
        else:
            names = [t.metric] if t.metric in results else []
        bound = t.bound
        bound_text = _fmt(bound)
        if isinstance(bound, str):  # another metric's value
            bound_text = f"{bound} ({_fmt(results[bound])})" if bound in results else bound
            bound = _number(results.get(bound))
        if not names:
            rows.append(Verdict(t.metric, None, f"{t.op} {bound_text}", "", "not measured", t.issue))
            continue
        for name in names:
            raw = results[name]
            value = _number(raw)
            if value is None or bound is None:
                rows.append(Verdict(name, raw, f"{t.op} {bound_text}", "", "not measured", t.issue))
                continue
            verdict, needed = _check(value, t.op, bound, t.kind)
            rows.append(Verdict(name, raw, f"{t.op} {bound_text}", f"{t.op} {needed:.4g}", verdict, t.issue))
    return rows


def summary(rows):
    """Counts of each verdict, e.g. {'pass': 30, 'margin': 2, 'fail': 1, 'not measured': 12}."""
    out = {"pass": 0, "margin": 0, "fail": 0, "not measured": 0}
    for r in rows:
        out[r.verdict] += 1
    return out


def markdown_lines(results, targets=TARGETS):
    """The targets table for results.md: one row per target (per metric of a family)."""
    rows = evaluate(results, targets)
    counts = summary(rows)
    lines = [
        "## Targets",
        "",
        f"pass: bound cleared with its margin (one point of accuracy, 10% of a time or ratio); "
        f"margin: bound met, margin not; fail: bound missed. "
        f"**{counts['pass']} pass, {counts['margin']} margin, {counts['fail']} fail**, "
        f"{counts['not measured']} not measured.",
        "",
        "| verdict | metric | value | target | with margin | issue |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        mark = {"pass": "pass", "margin": "**margin**", "fail": "**FAIL**"}.get(r.verdict, r.verdict)
        value = "" if r.value is None else _fmt(r.value)
        lines.append(f"| {mark} | `{r.metric}` | {value} | {r.target} | {r.needed} | #{r.issue} |")
    return lines


def text_lines(results, targets=TARGETS):
    """The same verdicts as plain lines for the terminal (measured targets only)."""
    rows = [r for r in evaluate(results, targets) if r.verdict != "not measured"]
    return [f"{r.verdict:6s}  {r.metric:50s} {_fmt(r.value):>8s}  {r.target} (margin {r.needed})" for r in rows]
