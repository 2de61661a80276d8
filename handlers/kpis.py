"""A lead firm defines its cluster's own KPIs by chat: 「新增指標 體驗遊程人次 500 人次」, 「我的指標」."""
from __future__ import annotations

import re

from db import clusters
from db.models import Cluster
from handlers.context import Ctx
from handlers.replies import text
from knowledge.assistant import Choice
from knowledge.labels import fold

__all__ = ["ADD_KPI", "LIST_KPIS", "on_add_kpi", "on_list_kpis"]

ADD_KPI = r"(?:新增|增加)(?:自訂)?(?:績效)?指標.*"
LIST_KPIS = r"(?:我的|群聚)?(?:自訂)?(?:績效)?指標(?:清單|列表)?"
_PARSE = re.compile(r"^(?:新增|增加)(?:自訂)?(?:績效)?指標\s*[:：]?\s*(?P<name>.+?)\s+(?P<target>\d+(?:\.\d+)?)\s*(?P<unit>\S{0,10})$")


def _led_cluster(ctx: Ctx) -> Cluster | None:
    if ctx.user_id is None:
        return None
    return clusters.led_by(session=ctx.session, line_user_id=ctx.user_id)


def on_add_kpi(ctx: Ctx) -> None:
    """Adds a KPI with its target to the cluster this user leads."""
    cluster = _led_cluster(ctx)
    if cluster is None:
        ctx.reply(text("自訂績效指標由群聚的領導企業設定；請先說「群聚自評」建立群聚。"))
        return
    match = _PARSE.match(fold(ctx.text))
    if match is None:
        ctx.reply(text("請用這個格式：新增指標 指標名稱 目標數字 單位\n例如：新增指標 體驗遊程人次 500 人次"))
        return
    kpi = clusters.add_kpi(session=ctx.session, cluster_id=cluster.id, name=match["name"].strip(),
                             target=float(match["target"]), unit=match["unit"])
    ctx.reply(text(f"已新增「{cluster.name}」的自訂指標：{kpi.name}，目標 {kpi.target:g}{kpi.unit}。\n"
                           "之後的月報會請您回報這項指標的進度。",
                           (Choice("我的指標", "say", {"text": "我的指標"}),)))


def on_list_kpis(ctx: Ctx) -> None:
    """Lists the cluster's own KPIs."""
    cluster = _led_cluster(ctx)
    if cluster is None:
        ctx.reply(text("您目前不是任何群聚的領導企業。"))
        return
    kpis = clusters.kpis_of(session=ctx.session, cluster_id=cluster.id)
    if not kpis:
        ctx.reply(text("還沒有自訂績效指標。例如說：新增指標 體驗遊程人次 500 人次"))
        return
    ctx.reply(text(f"「{cluster.name}」的自訂績效指標：\n" +
                           "\n".join(f"・{k.name}：目標 {k.target:g}{k.unit}" for k in kpis)))
