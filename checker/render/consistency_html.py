"""The consistency report: one self-contained HTML file (inline CSS, JS and SVG charts; nothing fetched),
and CSV and JSON exports of every table it shows. All text is escaped: rationales come from letters."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

GROUP_TITLES = {"family": "treatment family", "guideline": "guideline cited", "chapter": "guideline chapter cited",
                "specialty": "reviewer specialty", "month": "decision month"}
VERDICT_LABEL = {"met": "met", "not_met": "not met", "not_documented": "not documented"}
DASH = "\u2013"
KIND_LABEL = {"overturned_unmet": "Overturned, criteria unmet", "upheld_met": "Upheld, all criteria met"}
BASIS_LABEL = {"documented": "documented evidence", "missing_documentation": "missing documentation"}
DECISION_BASIS_LABEL = {"certified": "certified", "not_medically_necessary": "not medically necessary",
                        "insufficient_documentation": "insufficient documentation",
                        "criteria_unconfirmed": "criteria unconfirmed"}


@dataclass
class Column:
    key: str
    label: str
    kind: str = "text"  # text | int | rate | score | code (text that does not wrap) | link (rank -> drill-down)
    tip: str = ""


@dataclass
class Table:
    """A table as shown, exported to CSV and JSON."""

    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    note: str = ""


def _confusion_columns() -> list[Column]:
    return [Column("upheld_upheld", "U\u2192U", "int", "actual Upheld, predicted Upheld"),
            Column("upheld_overturned", "U\u2192O", "int", "actual Upheld, predicted Overturned"),
            Column("overturned_upheld", "O\u2192U", "int", "actual Overturned, predicted Upheld"),
            Column("overturned_overturned", "O\u2192O", "int", "actual Overturned, predicted Overturned"),
            Column("no_prediction", "no pred.", "int", "items without a prediction (no rule or no code)")]


def _flat_group(row: dict[str, Any]) -> dict[str, Any]:
    c = row["confusion"]
    out = {k: v for k, v in row.items() if k != "confusion"}
    for actual in ("upheld", "overturned"):
        for predicted in ("upheld", "overturned"):
            out[f"{actual}_{predicted}"] = c[actual][predicted]
    out["no_prediction"] = sum(r["none"] for r in c.values())
    return out


def tables(analysis: dict[str, Any]) -> list[Table]:
    """Every table of the report, in the order shown."""
    group_cols = [
        Column("items", "items", "int"),
        Column("compared", "compared", "int", "items with both a prediction and an actual outcome"),
        Column("agree", "agree", "int"),
        Column("agreement", "agreement", "rate"),
        Column("balanced_accuracy", "bal. acc.", "rate", "mean recall over Upheld and Overturned"),
        Column("overturned_rate", "overturned", "rate", "share of items the reviewer overturned"),
        Column("predicted_overturned_rate", "pred. overturned", "rate",
               "share of predicted items the checker predicts Overturned"),
        *_confusion_columns()]
    out = [Table(f"agreement_by_{g}", f"Agreement by {title}", [Column("group", title), *group_cols],
                 [_flat_group(r) for r in analysis["agreement"][g]])
           for g, title in GROUP_TITLES.items()]
    totals = analysis["totals"]
    labels = {"kind": KIND_LABEL, "basis": BASIS_LABEL}
    out.append(Table(
        "discordant", "Discordant items, clearest first",
        [Column("rank", "#", "link", "open the item side by side"),
         Column("score", "clarity", "score", "how clearly the criteria contradict the outcome"),
         Column("kind", "disagreement"),
         Column("basis", "rests on", "text", "documented evidence (criteria documented met, or one documented not "
                "met) or missing documentation (only criteria the record does not document blocked)"),
         Column("case", "case", "code"), Column("index", "item", "int"),
         Column("item", "request"), Column("treatment", "treatment", "code"), Column("actual", "actual"),
         Column("predicted", "predicted"), Column("why", "why"), Column("specialty", "reviewer"),
         Column("decision_date", "decided", "code")],
        [{k: (labels[k].get(v, v) if k in labels else v) for k, v in r.items() if k != "row"}
         for r in analysis["discordant"]],
        note="; ".join(
            [f"{totals['discordant_documented']} resting on documented evidence, "
             f"{totals['discordant_missing_documentation']} on missing documentation"]
            + ([f"{totals['discordant_shown']} of {totals['discordant']} shown"]
               if totals["discordant_shown"] < totals["discordant"] else []))))
    cond = totals["conditional"]
    out.append(Table(
        "conditional", "Conditional decisions: decided as if the operation in dispute were certified",
        [Column("case", "case", "code"), Column("index", "item", "int"), Column("item", "request"),
         Column("treatment", "treatment", "code"), Column("decision_basis", "checker's basis"),
         Column("predicted", "predicted"), Column("actual", "actual"),
         Column("surgery_item", "operation (item)", "int"), Column("surgery_request", "operation"),
         Column("surgery_actual", "operation's outcome")],
        [{k: (DECISION_BASIS_LABEL.get(v, v) if k == "decision_basis" else v) for k, v in r.items()}
         for r in analysis["conditional"]],
        note=(f"{cond['items']} item(s), counted apart: not in the agreement figures, the discordant items or the "
              f"inconsistent groups; {cond['agree']} of {cond['compared']} compared agree")))
    unconfirmed = totals["criteria_unconfirmed"]
    out.append(Table(
        "criteria_unconfirmed", "No decision: the criteria in force are not confirmed",
        [Column("case", "case", "code"), Column("index", "item", "int"), Column("item", "request"),
         Column("treatment", "treatment", "code"), Column("rule", "rule", "code"), Column("edition", "edition"),
         Column("actual", "actual"), Column("specialty", "reviewer"), Column("decision_date", "decided", "code")],
        analysis["criteria_unconfirmed"],
        note=(f"{unconfirmed['items']} item(s) without a prediction: their rule's criteria are all advisory "
              f"(unconfirmed); reviewers upheld {unconfirmed['upheld']} and overturned {unconfirmed['overturned']}")))
    out.append(Table(
        "inconsistent", "Same treatment and decisive facts, opposite outcomes",
        [Column("group", "#", "int"), Column("treatment", "treatment", "code"), Column("rule", "rule", "code"),
         Column("items", "items", "int"), Column("upheld", "upheld", "int"),
         Column("overturned", "overturned", "int"), Column("predicted", "checker"),
         Column("documented_facts", "facts known", "int"), Column("facts", "decisive facts"),
         Column("members", "items (outcome)")],
        analysis["inconsistent"]))
    reasons = analysis["reasons"]
    out.append(Table(
        "reviewer_reasons", "Reasons reviewers give (criteria named in rationales)",
        [Column("code", "criterion", "code"), Column("title", "title"),
         Column("named", "named", "int", "items whose rationale names it"),
         Column("checker_unmet", "checker unmet too", "int"),
         Column("match_rate", "match", "rate", "share of those the checker also found unmet"),
         Column("overturned", "overturned anyway", "int")],
        reasons["by_criterion"],
        note=(f"{reasons['items_with_rationale']} item(s) with a rationale and a deciding rule; "
              f"{reasons['items_reviewer_named_criteria']} name a criterion; in {reasons['items_reasons_match']} "
              f"at least one named criterion is one the checker found unmet ({_rate(reasons['match_rate'])})")))
    out.append(Table(
        "unmet_criteria", "Criteria the checker found unmet most often",
        [Column("code", "criterion", "code"), Column("title", "title"), Column("blocking", "blocking", "int"),
         Column("not_met", "not met", "int"), Column("not_documented", "not documented", "int")],
        analysis["unmet_criteria"]))
    return out


def _rate(value: float | None) -> str:
    return DASH if value is None else f"{value * 100:.0f}%"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet will not run: text starting like a formula (=, +, -, @, tab, CR) gets a
    leading apostrophe (OWASP's advice on CSV injection); numbers stay numbers."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = _plain(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _plain(value: Any) -> str:
    """A cell as text (CSV and HTML)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{k}={'?' if v is None else json.dumps(v, default=str)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(f"{m['case']} #{m['index']} ({m['actual']})" if isinstance(m, dict) else str(m)
                         for m in value)
    return str(value)


def write_exports(all_tables: list[Table], analysis: dict[str, Any], out_dir: Path) -> list[Path]:
    """One CSV and one JSON file per table, plus summary.json (totals and reason agreement counts)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for t in all_tables:
        keys = [c.key for c in t.columns]
        csv_path = out_dir / f"{t.name}.csv"
        with csv_path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(keys)
            for row in t.rows:
                writer.writerow([_csv_cell(row.get(k)) for k in keys])
        json_path = out_dir / f"{t.name}.json"
        json_path.write_text(json.dumps([{k: row.get(k) for k in keys} for row in t.rows], indent=1, default=str))
        written += [csv_path, json_path]
    summary = out_dir / "summary.json"
    summary.write_text(json.dumps({"totals": analysis["totals"],
                                   "reasons": {k: v for k, v in analysis["reasons"].items() if k != "by_criterion"}},
                                  indent=1))
    return written + [summary]


# ---- charts (inline SVG) --------------------------------------------------------------------------

AGREE, DISAGREE, ACTUAL, PREDICTED, NOT_MET, UNDOC, GRID = ("#2b7a4b", "#c0392b", "#1f5fa8", "#e08a1e",
                                                             "#b03a2e", "#e8a89f", "#d5d9de")


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
            f'aria-label="{escape(label)}">'
            f'<title>{escape(label)}</title>{"".join(body)}</svg>')


def _text(x: float, y: float, text: str, anchor: str = "start", cls: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{f" class={chr(34)}{cls}{chr(34)}" if cls else ""}>'
            f'{escape(text)}</text>')


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n - 1] + "\u2026"


def agreement_chart(rows: list[dict[str, Any]], label: str, limit: int = 15) -> str:
    """Horizontal bars: share of compared items where the checker and the reviewer agree, per group."""
    rows = sorted((r for r in rows if r["compared"]), key=lambda r: (-r["compared"], r["group"]))[:limit]
    if not rows:
        return f'<p class="empty">{escape(label)}: no items with both a prediction and an outcome.</p>'
    left, bar_w, row_h = 250, 360, 24
    height = 30 + row_h * len(rows)
    body = [f'<line x1="{left + bar_w * f:.0f}" y1="18" x2="{left + bar_w * f:.0f}" y2="{height - 6}" '
            f'stroke="{GRID}"/>' + _text(left + bar_w * f, 13, f"{f * 100:.0f}%", "middle", "axis")
            for f in (0, 0.25, 0.5, 0.75, 1)]
    for i, r in enumerate(rows):
        y = 22 + i * row_h
        agree = r["agree"] / r["compared"]
        body.append(_text(left - 8, y + 14, _short(str(r["group"]), 34), "end"))
        body.append(f'<rect x="{left}" y="{y + 3}" width="{bar_w}" height="{row_h - 8}" fill="{DISAGREE}" '
                    f'opacity="0.25"/>')
        body.append(f'<rect class="bar" x="{left}" y="{y + 3}" width="{bar_w * agree:.1f}" height="{row_h - 8}" '
                    f'fill="{AGREE}"><title>{escape(str(r["group"]))}: {r["agree"]} of {r["compared"]} agree'
                    f'</title></rect>')
        body.append(_text(left + bar_w + 8, y + 14, f"{agree * 100:.0f}%  ({r['agree']}/{r['compared']})"))
    return _svg(left + bar_w + 110, height, body, label)


def outcome_chart(rows: list[dict[str, Any]], label: str) -> str:
    """Per decision month: the share overturned by reviewers and the share the checker predicts overturned,
    over grey bars of item counts."""
    rows = [r for r in rows if r["group"] != "(none)" and r["items"]]
    if not rows:
        return f'<p class="empty">{escape(label)}: no decision dates.</p>'
    left, top, plot_w, plot_h = 50, 20, 620, 200
    step = plot_w / len(rows)
    most = max(r["items"] for r in rows)
    body = []
    for f in (0, 0.25, 0.5, 0.75, 1):
        y = top + plot_h * (1 - f)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 6, y + 4, f"{f * 100:.0f}%", "end", "axis"))
    every = max(1, len(rows) // 12)
    for i, r in enumerate(rows):
        x = left + step * i
        h = plot_h * r["items"] / most * 0.9
        body.append(f'<rect class="count" x="{x + step * 0.15:.1f}" y="{top + plot_h - h:.1f}" '
                    f'width="{step * 0.7:.1f}" height="{h:.1f}" fill="#eceff3"><title>{escape(r["group"])}: '
                    f'{r["items"]} item(s)</title></rect>')
        if i % every == 0:
            body.append(_text(x + step / 2, top + plot_h + 16, r["group"], "middle", "axis"))
            body.append(_text(x + step / 2, top + plot_h - h - 4, f"n={r['items']}", "middle", "axis"))
    for key, colour, name in (("overturned_rate", ACTUAL, "overturned by reviewers"),
                              ("predicted_overturned_rate", PREDICTED, "predicted overturned")):
        points = [(left + step * (i + 0.5), top + plot_h * (1 - r[key])) for i, r in enumerate(rows)
                  if r[key] is not None]
        if len(points) > 1:
            body.append(f'<polyline class="series" fill="none" stroke="{colour}" stroke-width="2.5" points="'
                        + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + '"/>')
        body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"><title>{escape(name)}</title></circle>'
                 for x, y in points]
    legend_y = top + plot_h + 36
    for j, (colour, name) in enumerate(((ACTUAL, "overturned by reviewers"), (PREDICTED, "predicted overturned"),
                                        ("#c9ced6", "items decided (bars)"))):
        x = left + j * 210
        body.append(f'<rect x="{x}" y="{legend_y - 10}" width="14" height="10" fill="{colour}"/>')
        body.append(_text(x + 20, legend_y, name))
    return _svg(left + plot_w + 20, legend_y + 10, body, label)


def unmet_chart(rows: list[dict[str, Any]], label: str, limit: int = 12) -> str:
    """Stacked horizontal bars: how often each criterion blocked, shown not met vs not documented."""
    rows = rows[:limit]
    if not rows:
        return f'<p class="empty">{escape(label)}: no criterion blocked any item.</p>'
    left, bar_w, row_h = 330, 300, 24
    most = max(r["blocking"] for r in rows)
    height = 40 + row_h * len(rows)
    body = []
    for i, r in enumerate(rows):
        y = 6 + i * row_h
        body.append(_text(left - 8, y + 14, _short(f"{r['code']} {r['title']}", 46), "end"))
        w1 = bar_w * r["not_met"] / most
        w2 = bar_w * r["not_documented"] / most
        body.append(f'<rect class="bar" x="{left}" y="{y + 3}" width="{w1:.1f}" height="{row_h - 8}" '
                    f'fill="{NOT_MET}"><title>{r["not_met"]} not met</title></rect>')
        body.append(f'<rect class="bar" x="{left + w1:.1f}" y="{y + 3}" width="{w2:.1f}" height="{row_h - 8}" '
                    f'fill="{UNDOC}"><title>{r["not_documented"]} not documented</title></rect>')
        body.append(_text(left + w1 + w2 + 6, y + 14, f"{r['blocking']} ({r['not_met']} / {r['not_documented']})"))
    legend_y = height - 10
    for j, (colour, name) in enumerate(((NOT_MET, "not met"), (UNDOC, "not documented"))):
        x = left + j * 150
        body.append(f'<rect x="{x}" y="{legend_y - 10}" width="14" height="10" fill="{colour}"/>')
        body.append(_text(x + 20, legend_y, name))
    return _svg(left + bar_w + 110, height, body, label)


# ---- HTML ------------------------------------------------------------------------------------------

def _cell(column: Column, value: Any) -> str:
    if column.kind == "rate":
        sort = "" if value is None else f' data-v="{value}"'
        return f'<td class="num"{sort}>{_rate(value)}</td>'
    if column.kind == "link":
        return f'<td class="num" data-v="{value}"><a href="#d-{value}">{value}</a></td>'
    if column.kind in ("int", "score"):
        sort = "" if value is None else f' data-v="{value}"'
        return f'<td class="num"{sort}>{escape(_plain(value))}</td>'
    return f'<td{" class=nw" if column.kind == "code" else ""}>{escape(_plain(value))}</td>'


def table_html(t: Table, row_limit: int | None = None) -> str:
    rows = t.rows if row_limit is None else t.rows[:row_limit]
    head = "".join(f'<th scope="col" data-kind="{c.kind}"{f" title={chr(34)}{escape(c.tip)}{chr(34)}" if c.tip else ""}'
                   f'><button type="button">{escape(c.label)}</button></th>' for c in t.columns)
    body = "".join("<tr>" + "".join(_cell(c, r.get(c.key)) for c in t.columns) + "</tr>" for r in rows)
    note = t.note
    if row_limit is not None and len(t.rows) > row_limit:
        note = (note + "; " if note else "") + f"first {row_limit} of {len(t.rows)} rows (all in the exports)"
    return (f'<div class="scroll"><table class="sortable" id="t-{t.name}" data-name="{t.name}">'
            f'<caption>{escape(t.title)}{f" <small>({escape(note)})</small>" if note else ""}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def _criteria_html(row: dict[str, Any]) -> str:
    named = set((row.get("reason_agreement") or {}).get("reviewer") or [])
    if not row.get("criteria"):
        reasons = ", ".join(row.get("reasons") or []) or "none"
        return f'<p>No criteria evaluated (reasons: {escape(reasons)}).</p>'
    lines = []
    for c in row["criteria"]:
        flag = ' <span class="tag named" title="named in the reviewer\'s rationale">reviewer</span>' \
            if c["code"] in named else ""
        lines.append(f'<tr class="v-{escape(c["verdict"])}"><td>{escape(c["code"])}</td>'
                     f'<td>{escape(c["title"])}<div class="cite">{escape(c.get("citation") or "")}</div></td>'
                     f'<td><span class="verdict">{escape(VERDICT_LABEL.get(c["verdict"], c["verdict"]))}</span>'
                     f'{" <b>blocking</b>" if c.get("blocking") else ""}{flag}</td></tr>')
    status = ('<p class="status">The guideline does not recommend this treatment (status).</p>'
              if "STATUS" in (row.get("reasons") or []) else "")
    facts = row.get("facts") or {}
    fact_list = "".join(f"<li>{escape(k)} = {escape('not documented' if v is None else json.dumps(v))}</li>"
                        for k, v in facts.items())
    return (f'{status}<table class="criteria"><tbody>{"".join(lines)}</tbody></table>'
            f'<p class="facts-h">Decisive facts</p><ul class="facts">{fact_list or "<li>none</li>"}</ul>')


def drill_down_html(d: dict[str, Any]) -> str:
    row = d["row"]
    letter = [("case", f"{row.get('case')} item {row.get('index')}"), ("request", row.get("item")),
              ("treatment", f"{row.get('treatment') or '(no code)'} \u00b7 {row.get('family') or ''}"),
              ("decided", row.get("decision_date")), ("reviewer", row.get("reviewer_specialty")),
              ("guideline cited", row.get("maximus_guideline")),
              ("reviewer's outcome", (row.get("actual") or "unknown").title())]
    checker = [("rule", f"{row.get('rule') or '(none)'} ({row.get('guideline') or ''} {row.get('edition') or ''})"),
               ("decision", row.get("decision")),
               ("basis", DECISION_BASIS_LABEL.get(row.get("decision_basis"), row.get("decision_basis"))),
               ("prediction", (row.get("predicted") or "none").title())]
    rationale = row.get("rationale")
    ra = row.get("reason_agreement") or {}
    named = ", ".join(ra.get("reviewer") or []) or "none recognised"
    return (f'<details class="drill" id="d-{d["rank"]}"><summary><span class="rank">#{d["rank"]}</span> '
            f'<span class="score">clarity {d["score"]}</span> <span class="kind k-{escape(d["kind"])}">'
            f'{escape(KIND_LABEL[d["kind"]])}</span> {escape(str(row.get("case")))} \u00b7 '
            f'{escape(str(row.get("item")))}</summary><p class="why">{escape(d["why"])}</p><div class="side">'
            f'<section><h4>The letter\'s item</h4><dl>'
            + "".join(f"<dt>{escape(k)}</dt><dd>{escape(DASH if v is None else str(v))}</dd>"
                      for k, v in letter)
            + '</dl></section><section><h4>The checker\'s criteria</h4><dl>'
            + "".join(f"<dt>{escape(k)}</dt><dd>{escape(DASH if v is None else str(v))}</dd>"
                      for k, v in checker)
            + f'</dl>{_criteria_html(row)}</section><section><h4>The reviewer\'s rationale</h4>'
            f'<p class="named">Criteria named: {escape(named)}</p>'
            + (f'<blockquote>{escape(rationale)}</blockquote>' if rationale else
               '<p class="empty">No rationale in the record.</p>')
            + "</section></div></details>")


def _kpis(totals: dict[str, Any], reasons: dict[str, Any], inconsistent: int) -> str:
    cards = [("items", f"{totals['items']:,}"), ("compared", f"{totals['compared']:,}"),
             ("agreement", _rate(totals["agreement"])), ("balanced accuracy", _rate(totals["balanced_accuracy"])),
             ("overturned by reviewers", _rate(totals["overturned_rate"])),
             ("discordant items", f"{totals['discordant']:,}"),
             ("discordant on documented evidence", f"{totals['discordant_documented']:,}"),
             ("discordant on missing documentation", f"{totals['discordant_missing_documentation']:,}"),
             ("inconsistent groups", f"{inconsistent:,}"),
             ("conditional items (apart)", f"{totals['conditional']['items']:,}"),
             ("no decision: criteria unconfirmed", f"{totals['criteria_unconfirmed']['items']:,}"),
             ("reasons match", _rate(reasons["match_rate"]))]
    return '<div class="kpis">' + "".join(f'<div class="kpi"><b>{escape(v)}</b><span>{escape(k)}</span></div>'
                                          for k, v in cards) + "</div>"


def _confusion_html(totals: dict[str, Any]) -> str:
    c = totals["confusion"]
    head = "".join(f"<th>{h}</th>" for h in ("actual \\ predicted", "Upheld", "Overturned", "none"))
    body = "".join(f"<tr><th>{a.title()}</th>" + "".join(f'<td class="num">{c[a][p]:,}</td>'
                                                        for p in ("upheld", "overturned", "none")) + "</tr>"
                   for a in ("upheld", "overturned", "unknown"))
    return f'<table class="confusion" id="confusion"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def render(analysis: dict[str, Any], source: str, generated: str, drill_limit: int = 1000) -> str:
    """The report as one HTML document."""
    all_tables = tables(analysis)
    by_name = {t.name: t for t in all_tables}
    agreement = analysis["agreement"]
    charts = [("Agreement by treatment family", agreement_chart(agreement["family"],
                                                                "Agreement by treatment family")),
              ("Agreement by reviewer specialty", agreement_chart(agreement["specialty"],
                                                                  "Agreement by reviewer specialty")),
              ("Outcome rates by decision month", outcome_chart(agreement["month"],
                                                                "Outcome rates by decision month")),
              ("Criteria most often unmet", unmet_chart(analysis["unmet_criteria"], "Criteria most often unmet"))]
    chart_html = "".join(f'<figure class="card" data-chart="{i}"><figcaption>{escape(t)}</figcaption>{svg}</figure>'
                         for i, (t, svg) in enumerate(charts))
    discordant = analysis["discordant"][:drill_limit]
    more = len(analysis["discordant"]) - len(discordant)
    drills = ""
    for basis, count in (("documented", "discordant_documented"),
                         ("missing_documentation", "discordant_missing_documentation")):
        shown = [d for d in discordant if d.get("basis", "documented") == basis]
        drills += (f'<h3>Resting on {escape(BASIS_LABEL[basis])} ({analysis["totals"][count]:,})</h3>'
                   + ("".join(drill_down_html(d) for d in shown) or '<p class="empty">None.</p>'))
    if more > 0:
        drills += f'<p class="note">{more} more discordant item(s) are in the exports.</p>'
    cond = analysis["totals"]["conditional"]
    conditional_note = (
        f'<p class="note">{cond["items"]:,} ancillary item(s) (pre-operative tests, assistant surgeon, '
        "post-operative care) were decided as if the operation in dispute in the same letter were certified. The "
        "reviewer decides them with the operation, so they are counted apart: not in the agreement figures above, "
        "not among the discordant items and not in the inconsistent groups. Of those with both outcomes, "
        f'{cond["agree"]:,} of {cond["compared"]:,} agree; {cond["compared_by_surgery_outcome"]["upheld"]:,} '
        "of them follow an operation the reviewer upheld (not necessary).</p>")
    sections = [
        ("overview", "Overview", _kpis(analysis["totals"], analysis["reasons"], len(analysis["inconsistent"]))
         + _confusion_html(analysis["totals"])),
        ("charts", "Charts", f'<div class="charts">{chart_html}</div>'),
        ("agreement", "Agreement by group", "".join(table_html(by_name[f"agreement_by_{g}"]) for g in GROUP_TITLES)),
        ("discordant", "Discordant items", table_html(by_name["discordant"], drill_limit)),
        ("drilldown", "Discordant items side by side", drills),
        ("inconsistent", "Inconsistent reviews", table_html(by_name["inconsistent"], drill_limit)),
        ("conditional", "Conditional decisions", conditional_note + table_html(by_name["conditional"], drill_limit)),
        ("unconfirmed", "No decision: criteria unconfirmed",
         '<p class="note">A rule whose criteria are all advisory (carried from a prior edition or read without a '
         "public source to confirm them) gives no decision: these items have no prediction and are in the "
         "confusion matrix's none column; their criteria are shown as guidance in `explain`.</p>"
         + table_html(by_name["criteria_unconfirmed"], drill_limit)),
        ("reasons", "Reviewers' reasons", table_html(by_name["reviewer_reasons"])
         + table_html(by_name["unmet_criteria"])),
    ]
    nav = "".join(f'<a href="#{sid}">{escape(title)}</a>' for sid, title, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{escape(title)}</h2>{html}</section>' for sid, title, html in sections)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>IMR reviewer consistency</title><style>{CSS}</style></head><body>"
            f'<header><h1>IMR reviewer consistency</h1><p class="meta">{escape(source)} \u00b7 generated '
            f'{escape(generated)} \u00b7 U = Upheld, O = Overturned; agreement compares the checker\'s prediction '
            f"with the reviewer's outcome</p><nav>{nav}</nav></header><main>{body}</main>"
            f'<pre id="selftest-result" hidden></pre><script>{JS}</script></body></html>')


def write_report(analysis: dict[str, Any], out: Path, source: str, generated: str,
                 exports: Path | None = None, drill_limit: int = 1000) -> list[Path]:
    """Write the HTML report (and the exports when asked); the files written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(analysis, source, generated, drill_limit), encoding="utf-8")
    return [out] + (write_exports(tables(analysis), analysis, exports) if exports else [])


CSS = """
:root{--fg:#1d2530;--muted:#5b6675;--line:#dde2e8;--bg:#f6f7f9;--card:#fff;--accent:#1f5fa8}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--fg);background:var(--bg)}header{background:#16324f;color:#fff;padding:18px 28px 10px}
header h1{margin:0 0 4px;font-size:22px}header .meta{margin:0 0 10px;color:#c8d6e5;font-size:12.5px}
nav a{color:#fff;margin-right:16px;font-size:13px;text-decoration:none;border-bottom:1px dotted #9fb6cf}
main{padding:8px 28px 40px;max-width:1500px}
h2{font-size:18px;margin:26px 0 10px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}
.kpis{display:flex;flex-wrap:wrap;gap:10px;margin-bottom:14px}.kpi{background:var(--card);
border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:130px}.kpi b{display:block;font-size:22px}
.kpi span{color:var(--muted);font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(620px,1fr));gap:14px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px;margin:0;
overflow-x:auto}figcaption{font-weight:600;margin-bottom:6px}svg.chart{max-width:100%;height:auto;font-size:12px;
fill:var(--fg)}svg .axis{fill:var(--muted);font-size:11px}.scroll{overflow-x:auto;margin-bottom:18px}
table{border-collapse:collapse;background:var(--card);font-size:13px}caption{text-align:left;font-weight:600;
padding:6px 0}caption small{font-weight:400;color:var(--muted)}th,td{border:1px solid var(--line);padding:4px 8px;
vertical-align:top;text-align:left}td.nw,table.criteria td:first-child{white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
thead th{background:#eef1f5;position:sticky;top:0}th button{all:unset;cursor:pointer;font-weight:600}
th[aria-sort=ascending] button::after{content:" \\25B2"}th[aria-sort=descending] button::after{content:" \\25BC"}
table.sortable{min-width:60%}.confusion{margin-bottom:8px}.confusion th{background:#eef1f5}
details.drill{background:var(--card);border:1px solid var(--line);border-radius:8px;margin:8px 0;padding:6px 12px}
details.drill summary{cursor:pointer;font-weight:500}.rank{color:var(--muted)}.score{background:#eef1f5;
border-radius:4px;padding:0 6px;font-size:12px}.kind{border-radius:4px;padding:0 6px;font-size:12px;color:#fff}
.k-overturned_unmet{background:#b03a2e}.k-upheld_met{background:#1f5fa8}.why{color:var(--muted);margin:6px 0}
.side{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:14px}.side section{min-width:0}
.side h4{margin:4px 0 6px;font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;margin:0 0 8px}dt{color:var(--muted)}
dd{margin:0;overflow-wrap:anywhere}table.criteria{width:100%}.cite{color:var(--muted);font-size:11.5px}
tr.v-met .verdict{color:#2b7a4b;font-weight:600}tr.v-not_met .verdict{color:#b03a2e;font-weight:600}
tr.v-not_documented .verdict{color:#a0660f;font-weight:600}.tag{font-size:11px;border-radius:3px;padding:0 4px}
.tag.named{background:#fde9c8}.facts-h{margin:8px 0 2px;color:var(--muted)}.facts{margin:0;padding-left:18px;
font-size:12.5px}blockquote{margin:0;padding:8px 10px;background:#f9f6ef;border-left:3px solid #d8c59a;
white-space:pre-wrap;overflow-wrap:anywhere;max-height:420px;overflow-y:auto}.empty,.note{color:var(--muted)}
.status{color:#b03a2e}@media print{header{background:none;color:#000}nav{display:none}details.drill{break-inside:avoid}}
"""

# Sorting: click a column header (again to reverse). Numbers sort by data-v, empty cells last. Opened as
# report.html#selftest, every column of every table is sorted both ways and checked, and the result (with the
# first cell after each sort) is written to #selftest-result, for the browser test.
JS = """
(function () {
  var NUMERIC = ['int', 'rate', 'score', 'link'];
  function numeric(th) { return NUMERIC.indexOf(th.getAttribute('data-kind')) >= 0; }
  function key(cell, isNumber) {
    if (!cell) return null;
    if (isNumber) { var v = cell.getAttribute('data-v'); return v === null ? null : parseFloat(v); }
    var text = cell.textContent.trim().toLowerCase();
    return text === '' ? null : text;
  }
  function sortBy(table, col, dir) {
    var th = table.tHead.rows[0].cells[col], isNumber = numeric(th), body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[col], isNumber), y = key(b.cells[col], isNumber);
      if (x === null) return y === null ? 0 : 1;
      if (y === null) return -1;
      return (x < y ? -1 : x > y ? 1 : 0) * (dir === 'ascending' ? 1 : -1);
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', dir);
  }
  var tables = document.querySelectorAll('table.sortable');
  Array.prototype.forEach.call(tables, function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.addEventListener('click', function () {
        sortBy(table, col, th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending');
      });
    });
  });
  function openTarget() {
    var t = location.hash && document.getElementById(location.hash.slice(1));
    if (t && t.tagName === 'DETAILS') { t.open = true; t.scrollIntoView(); }
  }
  window.addEventListener('hashchange', openTarget);
  openTarget();
  document.body.setAttribute('data-js', 'ready');
  if (location.hash !== '#selftest') return;
  var out = {tables: tables.length, checked: 0, failures: [], first: {}};
  Array.prototype.forEach.call(tables, function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      ['ascending', 'descending'].forEach(function (dir) {
        sortBy(table, col, dir);
        out.checked++;
        var vals = Array.prototype.map.call(table.tBodies[0].rows, function (r) {
          return key(r.cells[col], numeric(th));
        }).filter(function (v) { return v !== null; });
        for (var i = 1; i < vals.length; i++) {
          if (dir === 'ascending' ? vals[i] < vals[i - 1] : vals[i] > vals[i - 1]) {
            out.failures.push(table.id + ':' + col + ':' + dir); break;
          }
        }
        var first = table.tBodies[0].rows[0], name = table.id + ':' + th.textContent.trim() + ':' + dir;
        out.first[name] = first ? first.cells[0].textContent.trim() : null;
      });
    });
  });
  var pre = document.getElementById('selftest-result');
  pre.textContent = JSON.stringify(out);
  pre.hidden = false;
})();
"""
