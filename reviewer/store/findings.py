"""Finding queries: pages in severity order, row groups (cards), neighbours, details, the overview."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from reviewer.codes import SEVERITY_ORDER
from reviewer.model import Draft, critiques_for
from reviewer.store.db import StoreBase, StoreError
from reviewer.store.encoding import decimal, recomputed_total
from reviewer.store.records import (
    FilterOptions,
    FindingDetail,
    FindingFilter,
    FindingRecord,
    GroupRecord,
    ProjectOption,
)


class FindingsMixin(StoreBase):
    """Reading findings: filter choices, pages, row groups, neighbours, one finding in detail."""

    def filter_options(self, sid: str) -> FilterOptions:
        """What the filters can choose from: the codes, severities and projects of the session."""
        with self._connect() as db:
            codes = [r[0] for r in db.execute(
                "SELECT code FROM findings WHERE session_id = ? GROUP BY code ORDER BY min(seq)", (sid,))]
            severities = [r[0] for r in db.execute(
                "SELECT DISTINCT severity FROM findings WHERE session_id = ?", (sid,))]
            ndocs = db.execute("SELECT count(*) FROM documents WHERE session_id = ?", (sid,)).fetchone()[0]
            projects = [ProjectOption(value=f"{r['doc_id']}/{r['id']}", name=r["name"], source=Path(r["source"]).name)
                        for r in db.execute(
                "SELECT p.doc_id, p.id, p.name, d.source FROM projects p JOIN documents d"
                " ON d.session_id = p.session_id AND d.id = p.doc_id WHERE p.session_id = ? ORDER BY d.seq, p.seq",
                (sid,))]
        return FilterOptions(codes=codes, severities=sorted(severities, key=lambda s: SEVERITY_ORDER.get(s, 9)),
                             projects=projects, documents=ndocs)

    # -------------------------------------------------------------- findings

    def query_findings(self, sid: str, flt: FindingFilter | None = None, offset: int = 0,
                       limit: int = 50) -> tuple[int, list[FindingRecord]]:
        """One page of findings, errors first then warnings then info (document order within each),
        and how many match the filter in all."""
        where, args = (flt or FindingFilter()).where()
        with self._tx() as db:
            total = db.execute(f"SELECT count(*) FROM findings WHERE session_id = ?{where}", [sid, *args]).fetchone()[0]
            rows = db.execute(f"SELECT * FROM findings WHERE session_id = ?{where} ORDER BY sev_rank, seq"
                              " LIMIT ? OFFSET ?", [sid, *args, limit, offset]).fetchall()
        return total, [FindingRecord.from_row(r) for r in rows]

    def neighbour(self, sid: str, flt: FindingFilter | None, fid: str | None, step: int = 1,
                  only_open: bool = False) -> str | None:
        """The next (step=1) or previous (step=-1) matching finding after ``fid``, wrapping around."""
        where, args = (flt or FindingFilter()).where()
        if only_open:
            where += " AND status = 'open'"
        with self._connect() as db:
            key = None
            if fid:
                key = db.execute("SELECT sev_rank, seq FROM findings WHERE session_id = ? AND id = ?",
                                 (sid, fid)).fetchone()
            op, order = (">", "ASC") if step > 0 else ("<", "DESC")
            base = f"SELECT id FROM findings WHERE session_id = ?{where}"
            if key is not None:
                r = db.execute(f"{base} AND (sev_rank, seq) {op} (?, ?) ORDER BY sev_rank {order}, seq {order}"
                               " LIMIT 1", [sid, *args, key[0], key[1]]).fetchone()
                if r:
                    return r[0]
            r = db.execute(f"{base} ORDER BY sev_rank {order}, seq {order} LIMIT 1", [sid, *args]).fetchone()
            return r[0] if r and r[0] != fid else None

    def position(self, sid: str, flt: FindingFilter | None, fid: str) -> int | None:
        """0-based index of ``fid`` among the findings matching ``flt``, or None if it does not match."""
        where, args = (flt or FindingFilter()).where()
        with self._connect() as db:
            r = db.execute(f"SELECT sev_rank, seq FROM findings WHERE session_id = ? AND id = ?{where}",
                           [sid, fid, *args]).fetchone()
            if r is None:
                return None
            return db.execute(f"SELECT count(*) FROM findings WHERE session_id = ?{where} AND (sev_rank, seq) < (?, ?)",
                              [sid, *args, r[0], r[1]]).fetchone()[0]

    def matching_ids(self, sid: str, flt: FindingFilter | None, only_open: bool = True,
                     within: Sequence[str] | None = None) -> list[str]:
        """Ids of every finding matching ``flt`` (open ones only by default; only among ``within`` if given)."""
        where, args = (flt or FindingFilter()).where()
        if only_open:
            where += " AND status = 'open'"
        if within is not None:
            where += f" AND id IN ({','.join('?' * len(within))})"
            args = [*args, *within]
        with self._connect() as db:
            return [r[0] for r in db.execute(f"SELECT id FROM findings WHERE session_id = ?{where}"
                                             " ORDER BY sev_rank, seq", [sid, *args])]

    # -------------------------------------------------------------- rows (one card per indicator row)

    def query_groups(self, sid: str, flt: FindingFilter | None = None, offset: int = 0,
                     limit: int = 50) -> tuple[int, list[GroupRecord]]:
        """One page of row groups (a row's findings together; a project's own findings together),
        the group with the most severe matching finding first, and how many groups match."""
        where, args = (flt or FindingFilter()).where()
        sql = (f"SELECT doc_id, ifnull(project_id, '') AS pid, ifnull(row_id, '') AS rid, min(sev_rank) AS rank,"
               " min(seq) AS first, count(*) AS n, sum(status = 'open') AS n_open, group_concat(code) AS codes,"
               " max(project_name) AS project_name, max(indicator) AS indicator, max(target) AS target,"
               " max(actual) AS actual, max(weight) AS weight, max(score) AS score"
               f" FROM findings WHERE session_id = ?{where} GROUP BY doc_id, pid, rid")
        with self._tx() as db:
            total = db.execute(f"SELECT count(*) FROM ({sql})", [sid, *args]).fetchone()[0]
            rows = db.execute(f"{sql} ORDER BY rank, first LIMIT ? OFFSET ?", [sid, *args, limit, offset]).fetchall()
        return total, [GroupRecord.from_row(r) for r in rows]

    def group_keys(self, sid: str, flt: FindingFilter | None = None) -> list[str]:
        """Every matching group's key, in display order (for moving to the next or previous card)."""
        where, args = (flt or FindingFilter()).where()
        with self._connect() as db:
            return [f"{r[0]}|{r[1]}|{r[2]}" for r in db.execute(
                "SELECT doc_id, ifnull(project_id, '') AS pid, ifnull(row_id, '') AS rid FROM findings"
                f" WHERE session_id = ?{where} GROUP BY doc_id, pid, rid ORDER BY min(sev_rank), min(seq)",
                [sid, *args])]

    def group_findings(self, sid: str, key: str) -> list[FindingRecord]:
        """All findings of one group (see ``GroupRecord.key``), most severe first."""
        doc_id, pid, rid = (key.split("|") + ["", ""])[:3]
        with self._connect() as db:
            rows = db.execute("SELECT * FROM findings WHERE session_id = ? AND doc_id = ? AND ifnull(project_id, '') = ?"
                              " AND ifnull(row_id, '') = ? ORDER BY sev_rank, seq", (sid, doc_id, pid, rid)).fetchall()
        return [FindingRecord.from_row(r) for r in rows]

    def overview(self, sid: str) -> list[dict[str, Any]]:
        """Per document and project: findings by severity, open ones, the reported 总分 and the
        total recomputed from the rows' scores and the funding score."""
        with self._tx() as db:
            counts: dict[tuple[str, str], dict[str, int]] = {}
            for r in db.execute("SELECT doc_id, ifnull(project_id, '') AS pid, severity, status, count(*) AS n"
                                " FROM findings WHERE session_id = ? GROUP BY 1, 2, 3, 4", (sid,)):
                c = counts.setdefault((r["doc_id"], r["pid"]), {})
                c[r["severity"]] = c.get(r["severity"], 0) + r["n"]
                if r["status"] == "open":
                    c["open"] = c.get("open", 0) + r["n"]
            sums: dict[tuple[str, str], list[Decimal | None]] = {}  # [weights, scores]; None once a score is missing
            for r in db.execute("SELECT doc_id, project_id, body FROM rows WHERE session_id = ?", (sid,)):
                row = json.loads(r["body"])
                acc = sums.setdefault((r["doc_id"], r["project_id"]), [Decimal(0), Decimal(0)])
                score = decimal(row.get("score"))
                acc[0] = (acc[0] or Decimal(0)) + (decimal(row.get("weight")) or 0)
                acc[1] = None if score is None or acc[1] is None else acc[1] + score
            out = []
            for r in db.execute("SELECT p.doc_id, p.id, p.name, p.body, d.source FROM projects p JOIN documents d"
                                " ON d.session_id = p.session_id AND d.id = p.doc_id WHERE p.session_id = ?"
                                " ORDER BY d.seq, p.seq", (sid,)):
                body = json.loads(r["body"])
                key = (r["doc_id"], r["id"])
                out.append({"doc_id": r["doc_id"], "project_id": r["id"], "project": r["name"],
                            "source": r["source"], "counts": counts.get(key, {}),
                            "reported_total": decimal((body.get("total") or {}).get("score")),
                            "recomputed_total": recomputed_total(body, *sums.get(key, [None, None]))})
        return out

    def get_finding(self, sid: str, fid: str) -> FindingRecord:
        with self._connect() as db:
            r = db.execute("SELECT * FROM findings WHERE session_id = ? AND id = ?", (sid, fid)).fetchone()
        if r is None:
            raise StoreError(f"会话 {sid} 中找不到问题 {fid}")
        return FindingRecord.from_row(r)

    def finding_detail(self, sid: str, fid: str) -> FindingDetail:
        """The finding with its document, project, row cells, drafts and decision history."""
        with self._tx() as db:
            r = db.execute("SELECT * FROM findings WHERE session_id = ? AND id = ?", (sid, fid)).fetchone()
            if r is None:
                raise StoreError(f"会话 {sid} 中找不到问题 {fid}")
            f = FindingRecord.from_row(r)
            d = db.execute("SELECT source, title, year, kind FROM documents WHERE session_id = ? AND id = ?",
                           (sid, f.doc_id)).fetchone()
            p = db.execute("SELECT body FROM projects WHERE session_id = ? AND doc_id = ? AND id = ?",
                           (sid, f.doc_id, f.project_id)).fetchone()
            row = None
            if f.row_id:
                rr = db.execute("SELECT body FROM rows WHERE session_id = ? AND doc_id = ? AND id = ?",
                                (sid, f.doc_id, f.row_id)).fetchone()
                row = json.loads(rr["body"]) if rr else None
            drafts = [Draft.model_validate(json.loads(x["body"])) for x in db.execute(
                "SELECT body FROM drafts WHERE session_id = ? AND doc_id = ? AND (finding_id = ? OR"
                " (project_id IS ? AND row_id IS ?)) ORDER BY seq",
                (sid, f.doc_id, fid, f.project_id, f.row_id))]
            history = [dict(h) for h in db.execute(
                "SELECT action, text, reason, reviewer, at FROM decisions WHERE session_id = ? AND finding_id = ?"
                " ORDER BY id", (sid, fid))]
        explanation = next((x for x in drafts if x.kind == "explanation" and x.status == "ok" and x.row_id), None)
        rejected = [x for x in drafts if x.kind == "explanation" and x.status == "rejected"]
        return FindingDetail(
            finding=f, document=dict(d) if d else {}, project=json.loads(p["body"]) if p else None, row=row,
            explanation_draft=explanation, rejected_drafts=rejected,
            critiques=critiques_for(drafts, f.local_id, f.row_id), history=history,
        )

    def explanation_draft(self, sid: str, fid: str) -> str | None:
        """Text of the usable explanation draft for the finding's row, if any."""
        draft = self.finding_detail(sid, fid).explanation_draft
        return draft.text if draft else None


__all__ = ["FindingsMixin"]
