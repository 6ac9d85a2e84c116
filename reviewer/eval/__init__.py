"""Scoring the review against labelled datasets: labels, matching, draft metrics, the baseline gate."""

from reviewer.eval.run import EvalReport, check_against_baseline, render_text, run_eval, write_baseline

__all__ = ["EvalReport", "check_against_baseline", "render_text", "run_eval", "write_baseline"]
