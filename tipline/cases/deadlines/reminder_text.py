"""The reminder digest's text: Chinese first, English below (mail has no locale of its own)."""
from __future__ import annotations

KIND_ZH = {"filing": "作出是否立案决定", "notify_reporter": "告知实名举报人是否立案",
           "complaint_acceptance": "作出是否受理投诉决定",
           "decision": "作出处理决定", "closing": "结案", "reward_notice": "告知举报人奖励",
           "reward_claim": "举报人领取奖励",
           "mediation": "投诉调解", "follow_up": "投诉回访",
           "inspection": "完成双随机抽查检查", "rectification": "复查整改情况"}
KIND_EN = {"filing": "decide whether to file", "notify_reporter": "tell the real-name reporter",
           "complaint_acceptance": "decide whether to accept the complaint", "decision": "decide the case",
           "closing": "close the case", "reward_notice": "notify the reward", "reward_claim": "reward claim",
           "mediation": "mediate the complaint", "follow_up": "follow up the complaint",
           "inspection": "carry out the random inspection", "rectification": "check the rectification"}
RULE_ZH = {"before_3": "即将到期", "due_day": "今日到期", "overdue_daily": "已超期"}
RULE_EN = {"before_3": "due soon", "due_day": "due today", "overdue_daily": "overdue"}


def _subject(clock) -> str:
    if clock.case_id is None and clock.tip_id is None:
        return "双随机抽查"  # an inspection clock (tipline.inspections)
    return f"案件 {clock.case_id}" if clock.case_id else f"线索 {clock.tip_id}"


def body_for(user, items, settings) -> str:
    url = getattr(settings, "public_url", "").rstrip("/")
    zh = [f"{user.display_name or user.username}，您好：", "", "以下法定期限需要您关注：", ""]
    en = ["", "The following statutory deadlines need your attention:", ""]
    for reminder, clock in items:
        provisional = "（暂定，当年节假日安排尚未公布）" if clock.provisional else ""
        zh.append(f"- {_subject(clock)}：{KIND_ZH.get(clock.kind, clock.kind)}，期限 {clock.due_on}{provisional}，"
                  f"{RULE_ZH.get(reminder.rule, reminder.rule)}")
        subject = ("case " + str(clock.case_id) if clock.case_id else "tip " + str(clock.tip_id) if clock.tip_id
                   else "random inspection")
        en.append(f"- {subject}: "
                  f"{KIND_EN.get(clock.kind, clock.kind)}, due {clock.due_on}"
                  f"{' (provisional)' if clock.provisional else ''}, {RULE_EN.get(reminder.rule, reminder.rule)}")
    zh += ["", f"请登录 {url}/staff/deadlines 查看。"]
    en += ["", f"See {url}/staff/deadlines"]
    return "\n".join(zh + en) + "\n"
