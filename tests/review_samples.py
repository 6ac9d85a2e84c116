"""Documents built by hand (modelled on seed 003) for the store, export and UI tests.

They let those tests run without the table interpreter, and pin exactly which findings,
rows and drafts exist so the assertions can name them.
"""

from __future__ import annotations

from decimal import Decimal as D

from reviewer.model import Budget, CoverageEntry, Document, Draft, Finding, IndicatorRow, Project, Total


def sample_document(source: str = "003_劳务派遣.txt", *, drafts: bool = True) -> Document:
    rows = [
        IndicatorRow(id="p1.r1", level1="产出指标", level2="数量指标", indicator="发放人数，按人数发放率",
                     target="发放人数，按人数发放率", actual="完成", weight=D(10), score=D(10), explanation="无",
                     where="line 12"),
        IndicatorRow(id="p1.r2", level1="产出指标", level2="质量指标", indicator="经费专款专用率",
                     target="100%", actual="完成", weight=D(15), score=D(20), explanation="无", where="line 13"),
        IndicatorRow(id="p1.r3", level1="效益指标", level2="生态效益", indicator="绿色办公", target="绿色办公",
                     actual="完成", weight=D(10), score=D(5), explanation="无", where="line 18"),
        IndicatorRow(id="p1.r4", level1="满意度指标", level2="服务对象满意度指标", indicator="服务对象满意度",
                     target="≥90%", actual="95%", weight=D(10), score=D(10), explanation="无", where="line 20"),
    ]
    p1 = Project(id="p1", name="劳务派遣人员经费（人社局）", department="人社局", unit="人社局",
                 budget=Budget(initial=D("139.04"), full=D("139.04"), spent=D("139.04"), rate=D(1), weight=D(10),
                               score=D(10), rate_text="100%"),
                 total=Total(weight=D(100), score=D(100)), rows=rows,
                 title="劳务派遣人员经费（人社局）项目支出绩效自评表", purpose="对人员工资发放，对人员缴纳社会保险等。",
                 achieved="及时资发放，及时缴纳社会保险等。")
    p2 = Project(id="p2", name="创业孵化基地租金及基地运行经费",
                 budget=Budget(initial=D(74), full=D(74), spent=D(74), rate=D(1), weight=D(10), score=D(10)),
                 total=Total(weight=D(100), score=D(95)),
                 rows=[IndicatorRow(id="p2.r1", level1="产出指标", level2="数量指标", indicator="提供服务次数",
                                    target="≥12次", actual="10次", weight=D(10), score=D(10), explanation="",
                                    where="line 40")])
    findings = [
        Finding(id="f1", code="EMPTY_ACTUAL", severity="warning", project_id="p1", row_id="p1.r1",
                message="实际完成值只写“完成”，看不出完成了多少。", evidence={"actual": "完成"}),
        Finding(id="f2", code="SCORE_OVER_WEIGHT", severity="error", project_id="p1", row_id="p1.r2",
                message="得分 20 超过分值 15。", evidence={"weight": 15, "score": 20}),
        Finding(id="f3", code="UNEXPLAINED_DEDUCTION", severity="warning", project_id="p1", row_id="p1.r3",
                message="得分 5 低于分值 10，偏差原因分析为“无”。", evidence={"weight": 10, "score": 5}),
        Finding(id="f4", code="GENERIC_INDICATOR", severity="info", project_id="p1", row_id="p1.r3",
                message="“绿色办公”在历史报告中出现于 20 个无关项目。",
                evidence={"neighbours": [
                    {"document": "002_xx.txt", "project": "档案管理经费", "indicator": "绿色办公", "similarity": 0.98},
                    {"document": "004_yy.txt", "project": "社会保障业务经费", "indicator": "绿色办公，节约成本",
                     "similarity": 0.83}]}),
        Finding(id="f5", code="FULL_SCORE_ON_SHORTFALL", severity="error", project_id="p2", row_id="p2.r1",
                message="实际 10次 未达到 ≥12次，却得满分 10。", evidence={"target": "≥12次", "actual": "10次"}),
        Finding(id="f6", code="ARITHMETIC_ERROR", severity="error", project_id="p2", row_id=None,
                message="总分 95 与各项得分之和 20 不符。", evidence={"total": 95, "sum": 20}),
    ]
    doc_drafts = None
    if drafts:
        doc_drafts = [
            Draft(project_id="p1", row_id="p1.r3", kind="explanation", source="offline",
                  text="生态效益指标得分5分，低于分值10分。原因：【请补充原因】。改进措施：细化绿色办公的量化指标。"),
            Draft(project_id="p1", row_id="p1.r3", kind="critique", source="offline", finding_id="f3",
                  text="该指标扣5分但未说明原因，请补充偏差原因分析及改进措施。"),
            Draft(project_id="p2", row_id="p2.r1", kind="explanation", source="offline", status="rejected",
                  grounded=False, ungrounded=["8次"], text="", rejected_text="实际完成8次。"),
        ]
    return Document(source=source, title="劳务派遣人员经费（人社局）项目支出绩效自评表", year=2024,
                    kind="project_selfeval", projects=[p1, p2], findings=findings, drafts=doc_drafts,
                    coverage={"EMPTY_ACTUAL": CoverageEntry(checked=5),
                              "ARITHMETIC_ERROR": CoverageEntry(checked=1, skipped={"缺少分值": 1})})
