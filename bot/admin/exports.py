"""Staff exports of submitted forms: one row per submission, columns as on the official form.

CSV is UTF-8 with a BOM so that Excel opens the Chinese headers correctly; XLSX for those who
prefer it. ``?form=`` picks the form (default the member self-assessment), ``?cluster=`` a
cluster by its join code.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from bot.admin.auth import Viewer
from db import clusters, forms
from db.models import Cluster
from knowledge.answers import display
from knowledge.calendar import roc_date
from knowledge.forms import Form, load_forms
from knowledge.labels import month_label
from knowledge.scoring import DIMENSIONS, score

__all__ = ["csv_response", "export_rows", "router", "xlsx_response"]

router = APIRouter(prefix="/admin/api")


def _kpis(sessions: list[Any]) -> list[dict[str, Any]]:
    """The custom KPIs seen across these check-ins, once each by name and unit, in first-seen order."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for fs in sessions:
        for kpi in (fs.pending or {}).get("kpis") or []:
            seen.setdefault((kpi["name"], kpi.get("unit") or ""), kpi)
    return list(seen.values())


def _columns(form: Form, kpis: Sequence[dict[str, Any]] = ()) -> list[tuple[str, str, str]]:
    """(header, item id, part) in the form's order; a part splits one item into several columns."""
    columns = [("送出時間", "", "submitted_at")]
    if form.per_month:
        columns.append(("月份", "", "month"))
    if form.program == "digital_cluster":
        columns += [("群聚代碼", "", "cluster_code"), ("群聚", "", "cluster_name")]
    elif not any(item.id == "alliance_name" for item in form.items):
        columns.append(("所屬聯盟", "", "alliance"))
    for item in form.items:
        name = f"{item.code} {item.label}" if item.code else item.label
        if item.type == "yes_no" and item.dimension:
            columns += [(f"{name}｜勾選與說明", item.id, "value"), (f"{name}｜指標積分", item.id, "point")]
        elif item.type == "count_pair":
            columns += [(f"{name}｜提案初始情況（家數）", item.id, "initial"),
                        (f"{name}｜輔導後預計達成情況（家數）", item.id, "expected")]
        else:
            columns.append((name, item.id, "value"))
    for kpi in kpis:
        unit = f"（{kpi['unit']}）" if kpi.get("unit") else ""
        columns += [(f"自訂指標：{kpi['name']}{unit}", kpi["name"], "kpi"),
                    (f"自訂指標：{kpi['name']}{unit}｜目標", kpi["name"], "kpi_target")]
    if form.scoring == "oesi":
        columns += [(f"{name}({d}) 小計", d, "subtotal") for d, name in DIMENSIONS.items()]
    return columns


def _cell(form: Form, answers: dict[str, Any], item_id: str, part: str) -> Any:
    item = form.item(item_id)
    value = answers.get(item_id)
    if value is None:
        return ""
    if part == "point":
        return 1 if value.get("has") else 0
    if part in ("initial", "expected"):
        return value.get(part, "")
    if item.type in ("number", "percent"):
        return value
    return display(item, value)


def export_rows(session, form: Form, cluster: Cluster | None) -> tuple[list[str], list[list[Any]]]:  # type: ignore[no-untyped-def]
    """The header and one row per submission; check-ins carry their month and the cluster's own KPIs."""
    submitted = forms.submitted_sessions(session=session, form_id=form.id, cluster_id=cluster.id if cluster else None)
    columns = _columns(form, _kpis(submitted) if form.dynamic == "cluster_kpis" else [])
    alliances = {user: value for user, value, _ in forms.item_values(session=session, item_id="alliance_name",
                                                                      form_id="ia_survey")}
    rows: list[list[Any]] = []
    known: dict[int, Cluster | None] = {}
    for fs in submitted:
        answers = forms.answers_of(session=session, session_id=fs.id)
        kpi_ids = {k["name"]: k for k in (fs.pending or {}).get("kpis") or []}
        if fs.cluster_id and fs.cluster_id not in known:
            known[fs.cluster_id] = clusters.get_cluster(session=session, cluster_id=fs.cluster_id)
        linked = known.get(fs.cluster_id) if fs.cluster_id else None
        card = score(form, answers) if form.scoring == "oesi" else None
        row: list[Any] = []
        for _, item_id, part in columns:
            if part == "submitted_at":
                row.append(roc_date(fs.submitted_at, weekday=False) if fs.submitted_at else "")
            elif part == "month":
                row.append(month_label(str((fs.pending or {}).get("month", ""))))
            elif part == "alliance":
                row.append(alliances.get(fs.line_user_id, ""))
            elif part in ("kpi", "kpi_target"):
                kpi = kpi_ids.get(item_id)
                row.append("" if kpi is None else answers.get(kpi["id"], "") if part == "kpi" else kpi["target"])
            elif part == "cluster_code":
                row.append(linked.code if linked else "")
            elif part == "cluster_name":
                row.append(linked.name if linked else "")
            elif part == "subtotal":
                row.append(card.dimensions[item_id].score if card else "")
            else:
                row.append(_cell(form, answers, item_id, part))
        rows.append(row)
    return [c[0] for c in columns], rows


def _selection(request: Request, form_id: str, cluster_code: str | None) -> tuple[Form, Cluster | None]:
    forms = load_forms()
    if form_id not in forms:
        raise HTTPException(404, f"沒有這個表單：{form_id}（可用：{'、'.join(sorted(forms))}）")
    cluster = None
    if cluster_code:
        with request.app.state.services.db.session() as session:
            cluster = clusters.cluster_by_code(session=session, code=cluster_code)
        if cluster is None:
            raise HTTPException(404, f"找不到群聚代碼：{cluster_code}")
    return forms[form_id], cluster


#: What makes a spreadsheet treat a cell as a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: Any) -> Any:
    """Text a spreadsheet would run as a formula is prefixed with ' and so stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _safe(rows: list[list[Any]]) -> list[list[Any]]:
    return [[_inert(v) for v in row] for row in rows]


def csv_response(form: Form, header: list[str], rows: list[list[Any]]) -> Response:
    """CSV in UTF-8 with a BOM, which Excel needs to read Chinese headers correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(_safe(rows))
    return Response(("\ufeff" + buffer.getvalue()).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{form.id}.csv"'})


def xlsx_response(form: Form, header: list[str], rows: list[list[Any]]) -> Response:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = form.short
    for r, row in enumerate([header, *rows], start=1):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
    out = io.BytesIO()
    book.save(out)
    return Response(out.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{form.id}.xlsx"'})


@router.get("/self-assessments.{fmt}")
def export(fmt: str, request: Request, _staff: Viewer, form: str = Query("dc_member"),
           cluster: str | None = Query(None)) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise HTTPException(404, "format must be csv or xlsx")
    chosen, selected = _selection(request, form, cluster)
    with request.app.state.services.db.session() as session:
        header, rows = export_rows(session, chosen, selected)
    return (csv_response if fmt == "csv" else xlsx_response)(chosen, header, rows)
