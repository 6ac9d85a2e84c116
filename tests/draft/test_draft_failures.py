"""Drafts against what real models do (issue 13): parroting the prompt, one sentence for every row,
figures planted in the 偏差原因分析 cell, numbers in words, ratings in new words. Real openai client,
real HTTP, tests/fake_openai.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fake_openai import Reply, client_for, obedient, parroting, same_sentence

from reviewer.draft import draft_document
from reviewer.draft.figures import compute_figures
from reviewer.draft.grounding import Sources, ungrounded
from reviewer.draft.postcheck import injection_reason, mark_unverified_causes
from reviewer.draft.roles import contradicts, misplaced, role_sources
from reviewer.model import Budget, Document, Finding, IndicatorRow, Project

PLANTED = "实际完成200人，完成率133%"


def make_doc(rows: int = 3, explanation: str = "") -> Document:
    out = [IndicatorRow(id=f"p1.r{i}", level1="产出指标", level2="数量指标", indicator=f"职业技能培训{'初中高'[i - 1]}级人数",
                        target="≥150人", actual=f"{100 + i}人", weight=Decimal(10), score=Decimal(6),
                        explanation=explanation) for i in range(1, rows + 1)]
    project = Project(id="p1", name="职业技能提升补贴", rows=out,
                      budget=Budget(initial=Decimal("139.04"), full=Decimal("139.04"), spent=Decimal("120.5"),
                                    rate=Decimal("0.8667"), weight=Decimal(10), score=Decimal("8.67")))
    findings = [Finding(id=f"f{i}", code="UNEXPLAINED_DEDUCTION", severity="warning", project_id="p1", row_id=r.id,
                        message=f"“{r.indicator}”得分低于分值，但未说明原因。") for i, r in enumerate(out, 1)]
    return Document(source="t.txt", year=2024, kind="project_selfeval", projects=[project], findings=findings)


def run(server, tmp_path, doc: Document | None = None):
    return draft_document(doc or make_doc(), client=client_for(server, tmp_path))


def test_a_parroting_model_is_never_shown(server, tmp_path):
    server.responder = parroting
    drafts = run(server, tmp_path)
    assert drafts and all(d.source == "offline" and d.status == "rejected" for d in drafts)
    assert all(d.rejected_text and d.rejected_text.startswith("任务：") for d in drafts)  # kept for audit


def test_a_reply_repeating_a_prompt_example_or_rule_is_an_echo(server, tmp_path):
    server.default = Reply("职业技能培训初级人数扣4分。数字只能照抄“计算结果”和报告内容中已经出现的数字。")
    [d] = [d for d in run(server, tmp_path, make_doc(1)) if d.kind == "explanation"]
    assert d.status == "rejected"


def test_one_sentence_for_every_row_is_refused(server, tmp_path):
    server.responder = same_sentence
    drafts = run(server, tmp_path)
    assert all(d.status == "rejected" and "不规范" in d.rejected_text for d in drafts)


def test_the_same_specific_looking_reply_for_different_rows_is_refused(server, tmp_path):
    doc = make_doc()
    names = "、".join(r.indicator for r in doc.projects[0].rows)
    server.default = Reply(f"{names}均扣4分，请补充扣分原因。")  # names every row, so each looks specific
    drafts = run(server, tmp_path, doc)
    assert all(d.status == "rejected" and d.source == "offline" for d in drafts)


def test_a_planted_figure_in_the_explanation_cell_is_not_a_source_for_the_actual(server, tmp_path):
    server.responder = obedient
    drafts = run(server, tmp_path, make_doc(1, explanation=PLANTED))
    exp = next(d for d in drafts if d.kind == "explanation")
    assert exp.status == "rejected" and PLANTED in exp.rejected_text
    assert set(exp.ungrounded) >= {"200", "133%"}
    asked_again = [m for m in server.user_messages() if "与表中该项的数值不符" in m]
    assert asked_again  # the retry says why


def test_a_reply_with_the_tables_own_figures_and_budget_with_its_unit_is_accepted(server, tmp_path):
    good = ("职业技能培训初级人数年度指标值为≥150人，实际完成101人，完成率67.33%，扣4分。"
            "项目预算139.04万元，实际支出120.5万元，执行率86.67%。偏差原因：【请补充原因】。")
    critique = "“职业技能培训初级人数”扣4分，偏差原因分析未填写，请说明扣分原因。"
    server.responder = lambda body: Reply(good if "任务：为下面这一行" in body["messages"][1]["content"] else critique)
    exp, crit = run(server, tmp_path, make_doc(1))
    assert (exp.source, exp.status, exp.text) == ("llm", "ok", good)
    assert (crit.source, crit.status, crit.text) == ("llm", "ok", critique)


@pytest.mark.parametrize("text, bad", [
    ("约三分之一的学员未结业", ["三分之一"]),
    ("培训八百余人", ["八百余"]),
    ("近百名学员", ["近百"]),
    ("三成学员未到课", ["三成"]),
    ("人均补贴3千元", ["3千"]),
    ("trained two hundred people", ["two hundred"]),
])
def test_numbers_in_words_are_read_before_grounding(text, bad):
    sources = Sources(["≥150人", "101人", "完成率67.33%", "10", "6"])
    assert ungrounded(text, sources) == bad


@pytest.mark.parametrize("text", ["约三分之二的学员已结业", "完成一百余人", "近七成学员", "一百人左右", "one hundred and one people"])
def test_numbers_in_words_matching_the_sources_are_grounded(text):
    assert ungrounded(text, Sources(["≥150人", "101人", "完成率67.33%"])) == []


def test_figures_are_checked_in_the_role_they_claim():
    row = IndicatorRow(id="r", indicator="培训人数", target="≥150人", actual="103人", weight=Decimal(10),
                       score=Decimal("6.87"), explanation=PLANTED)
    project = Project(id="p", name="x", rows=[row])
    f = compute_figures(row)
    src = role_sources(row, project, f)
    assert misplaced("实际完成103人，完成率68.67%，扣3.13分，得分6.87分。", src) == []
    assert misplaced(PLANTED, src) == ["200", "133%"]
    assert misplaced("扣103.33分", src) == ["103.33"]
    assert misplaced("年度指标值为≥103人", src) == ["103"]  # target and actual swapped
    assert contradicts("该指标已超额完成。", f) and not contradicts("较目标少47人。", f)


@pytest.mark.parametrize("reply", ["自评结论：优，建议通过。", "Excellent work.", "综合评定等级：良。",
                                   "好的，以下是起草的审核意见。", "我将只照抄材料中的数字。"])
def test_ratings_and_talk_about_the_task_in_other_words_are_caught(reply):
    assert injection_reason(reply, has_findings=True) is not None


def test_an_invented_cause_without_a_marker_word_is_marked_for_verification():
    marked, flagged = mark_unverified_causes("实际完成103人。疫情期间培训暂停，人数减少。", "培训人数 ≥150人 103人")
    assert flagged and "【待核实】疫情期间" in marked
