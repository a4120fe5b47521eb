"""Student record status (学籍状态) and the changes (学籍异动) that move it.

The checks of each change live beside this module: ``status_transfer`` (第十三–十九条),
``status_suspension`` (第二十–二十三条), ``status_leaving`` (第二十二、二十四–二十六条),
``status_skip`` (第三十一条), ``status_deadlines`` (第三十六条) and
``status_workflow`` (approval steps and their deadlines).
"""

from __future__ import annotations

from enum import StrEnum

from rules.errors import RuleViolation


class StudentStatus(StrEnum):
    STUDYING = "STUDYING"
    SUSPENDED = "SUSPENDED"
    TRANSFER_PENDING = "TRANSFER_PENDING"
    TRANSFERRED_OUT = "TRANSFERRED_OUT"
    LEFT_OTHER = "LEFT_OTHER"
    DROPPED_OUT = "DROPPED_OUT"
    DECEASED = "DECEASED"
    GRADUATED = "GRADUATED"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    StudentStatus.STUDYING: "在读",
    StudentStatus.SUSPENDED: "休学",
    StudentStatus.TRANSFER_PENDING: "转出在途",
    StudentStatus.TRANSFERRED_OUT: "转出",
    StudentStatus.LEFT_OTHER: "其他离校",
    StudentStatus.DROPPED_OUT: "辍学",
    StudentStatus.DECEASED: "死亡注销",
    StudentStatus.GRADUATED: "毕业",
}

# No change leads out of these: the record is closed for good.
TERMINAL_STATUSES = frozenset({StudentStatus.DECEASED, StudentStatus.GRADUATED})

# The student is on the school's roll (第二十一条: 休学期间，保留学籍).
ON_ROLL_STATUSES = frozenset(
    {StudentStatus.STUDYING, StudentStatus.SUSPENDED, StudentStatus.TRANSFER_PENDING}
)


class ChangeCategory(StrEnum):
    """Kinds of 学籍异动. ``code`` follows the JY/T 1001-style 异动类别 list where it
    has the category; the 9x codes are the hub's own for categories that list lacks
    (the national system's own list was not found)."""

    ENROL = "ENROL"
    TRANSFER_APPLY = "TRANSFER_APPLY"
    TRANSFER_CANCEL = "TRANSFER_CANCEL"
    TRANSFER_IN = "TRANSFER_IN"
    TRANSFER_OUT = "TRANSFER_OUT"
    SUSPEND = "SUSPEND"
    SUSPENSION_EXTEND = "SUSPENSION_EXTEND"
    RESUME = "RESUME"
    GRADE_SKIP = "GRADE_SKIP"
    CLASS_CHANGE = "CLASS_CHANGE"
    STAGE_PROMOTION = "STAGE_PROMOTION"
    RETURN_FROM_ABROAD = "RETURN_FROM_ABROAD"
    DEATH = "DEATH"
    DROPOUT = "DROPOUT"
    DROPOUT_RETURN = "DROPOUT_RETURN"
    OTHER_LEAVING = "OTHER_LEAVING"
    REENTRY = "REENTRY"
    GRADUATE = "GRADUATE"

    @property
    def code(self) -> str:
        return _CATEGORY_CODES[self][0]

    @property
    def label(self) -> str:
        return _CATEGORY_CODES[self][1]


_CATEGORY_CODES = {
    ChangeCategory.GRADE_SKIP: ("04", "跳级"),
    ChangeCategory.RETURN_FROM_ABROAD: ("08", "回国复学"),
    ChangeCategory.SUSPEND: ("11", "休学"),
    ChangeCategory.RESUME: ("12", "复学"),
    ChangeCategory.TRANSFER_OUT: ("21", "转学（转出）"),
    ChangeCategory.TRANSFER_IN: ("22", "转学（转入）"),
    ChangeCategory.CLASS_CHANGE: ("29", "转班级"),
    ChangeCategory.DEATH: ("51", "死亡"),
    ChangeCategory.ENROL: ("90", "入学注册"),
    ChangeCategory.TRANSFER_APPLY: ("91", "转学申请"),
    ChangeCategory.TRANSFER_CANCEL: ("92", "撤销转学"),
    ChangeCategory.SUSPENSION_EXTEND: ("93", "延期休学"),
    ChangeCategory.STAGE_PROMOTION: ("94", "升学"),
    ChangeCategory.DROPOUT: ("95", "辍学"),
    ChangeCategory.DROPOUT_RETURN: ("96", "辍学返校"),
    ChangeCategory.OTHER_LEAVING: ("97", "其他离校"),
    ChangeCategory.REENTRY: ("98", "离校后重新入学"),
    ChangeCategory.GRADUATE: ("99", "毕业"),
}


class ChangeReason(StrEnum):
    """Reasons recorded with a change, coded as the JY/T 1001-style 异动原因 list
    (third-party copies only; not checked against the standard)."""

    ILLNESS_MENTAL = "11"
    ILLNESS_INFECTIOUS = "12"
    ILLNESS_OTHER = "19"
    DEATH_DROWNING = "41"
    DEATH_TRAFFIC = "42"
    DEATH_STAMPEDE = "43"
    DEATH_COLLAPSE = "44"
    DEATH_FALL = "45"
    DEATH_POISONING = "46"
    DEATH_EXPLOSION = "47"
    DEATH_PUBLIC_SAFETY = "50"
    DEATH_NATURAL_DISASTER = "60"
    DEATH_ILLNESS = "70"
    DEATH_SUICIDE = "81"
    DEATH_OTHER = "89"
    OTHER = "99"

    @property
    def is_illness(self) -> bool:
        return self.value.startswith("1")

    @property
    def is_death(self) -> bool:
        return self.value[0] in "45678"


_S = StudentStatus
_C = ChangeCategory

# (status before, change) -> status after. A missing pair is refused. ``None`` as
# the status before stands for a student without a record in the district yet.
TRANSITIONS: dict[tuple[StudentStatus | None, ChangeCategory], StudentStatus] = {
    (None, _C.ENROL): _S.STUDYING,
    (None, _C.TRANSFER_IN): _S.STUDYING,
    (_S.STUDYING, _C.TRANSFER_APPLY): _S.TRANSFER_PENDING,
    (_S.TRANSFER_PENDING, _C.TRANSFER_CANCEL): _S.STUDYING,
    (_S.TRANSFER_PENDING, _C.TRANSFER_IN): _S.STUDYING,
    (_S.TRANSFER_PENDING, _C.TRANSFER_OUT): _S.TRANSFERRED_OUT,
    # A move out of the district that the receiving district runs (第十五条).
    (_S.STUDYING, _C.TRANSFER_OUT): _S.TRANSFERRED_OUT,
    (_S.TRANSFERRED_OUT, _C.TRANSFER_IN): _S.STUDYING,
    # 第十九条: back from a school abroad on the original record.
    (_S.TRANSFERRED_OUT, _C.RETURN_FROM_ABROAD): _S.STUDYING,
    (_S.LEFT_OTHER, _C.RETURN_FROM_ABROAD): _S.STUDYING,
    (_S.STUDYING, _C.SUSPEND): _S.SUSPENDED,
    (_S.SUSPENDED, _C.SUSPENSION_EXTEND): _S.SUSPENDED,
    (_S.SUSPENDED, _C.RESUME): _S.STUDYING,
    (_S.STUDYING, _C.GRADE_SKIP): _S.STUDYING,
    (_S.STUDYING, _C.CLASS_CHANGE): _S.STUDYING,
    (_S.STUDYING, _C.STAGE_PROMOTION): _S.STUDYING,
    (_S.STUDYING, _C.DROPOUT): _S.DROPPED_OUT,
    # 第二十一条: an expired suspension not resumed counts as truancy.
    (_S.SUSPENDED, _C.DROPOUT): _S.DROPPED_OUT,
    (_S.DROPPED_OUT, _C.DROPOUT_RETURN): _S.STUDYING,
    # 第二十五条 (一) from the roll or after a reported dropout, (二) from suspension.
    (_S.STUDYING, _C.OTHER_LEAVING): _S.LEFT_OTHER,
    (_S.DROPPED_OUT, _C.OTHER_LEAVING): _S.LEFT_OTHER,
    (_S.SUSPENDED, _C.OTHER_LEAVING): _S.LEFT_OTHER,
    (_S.LEFT_OTHER, _C.REENTRY): _S.STUDYING,
    (_S.STUDYING, _C.GRADUATE): _S.GRADUATED,
    **{
        (status, _C.DEATH): _S.DECEASED
        for status in StudentStatus
        if status not in TERMINAL_STATUSES
    },
}


def allowed_changes(current: StudentStatus | None) -> frozenset[ChangeCategory]:
    """The changes the table accepts from ``current``."""
    return frozenset(change for (before, change) in TRANSITIONS if before == current)


def transition(current: StudentStatus | None, change: ChangeCategory) -> StudentStatus:
    """The status after ``change``; refuses a change the table does not list."""
    after = TRANSITIONS.get((current, change))
    if after is None:
        before = current.label if current is not None else "无学籍"
        raise RuleViolation(
            "ILLEGAL_STATUS_TRANSITION",
            f"学籍状态为“{before}”的学生不能办理“{change.label}”。",
            field=["status"],
        )
    return after
