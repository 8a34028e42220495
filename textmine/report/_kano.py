"""The workbook's KANO sheet: each category's class, penalty and reward, with a chart."""

from textmine.report._sheet import DECIMAL, SheetWriter, fitting_width, horizontal_bar_chart

KANO_NAMES = {"must-be": "必备型（只在出问题时拉低满意度）", "one-dimensional": "期望型（做差拉低、做好提升）",
              "attractive": "魅力型（只在做好时提升）", "indifferent": "无差异型", "insufficient": "数据不足"}


def write_kano(book, result):
    headers = ["痛点", "KANO 类别", "负面提及的影响（分）", "95% 区间下限", "95% 区间上限",
               "正面提及的影响（分）", "95% 区间下限", "95% 区间上限", "负面提及", "正面提及"]
    names = [entry["name"] for entry in result.kano]
    sheet = SheetWriter(book, "KANO", [fitting_width(names + ["痛点"]), fitting_width(list(KANO_NAMES.values()))]
                        + [fitting_width([header], least=8) for header in headers[2:]])
    sheet.header(headers)
    for entry in result.kano:
        sheet.append([entry["name"], KANO_NAMES.get(entry["class"], entry["class"]),
                      entry["penalty"], entry["penalty_low"], entry["penalty_high"],
                      entry["reward"], entry["reward_low"], entry["reward_high"], entry["n_neg"], entry["n_pos"]],
                     formats={index: DECIMAL for index in range(2, 8)} | {8: "#,##0", 9: "#,##0"})
    sheet.filter(1, max(sheet.row, 2), len(headers))
    if result.kano:
        last = sheet.row
        sheet.ws.add_chart(horizontal_bar_chart(sheet, "负面提及对满意度的拉低（分）", 1, 3, 2, last,
                                                value_title="分", number_format=DECIMAL), "L2")
        sheet.blank()
    sheet.append(["惩罚-奖励对比分析：满意度对每个痛点的“负面提及”和“正面提及”两个哑变量一起回归。只有负面显著为必备型，"
                  "两者都显著为期望型，只有正面显著为魅力型；任一方向提及少于 10 条为数据不足。"])
