"""Errors a resolver raises for the client: message and extensions pass unmasked.

Refusals under the regulation are not here: they are ``RuleViolation``s, turned
into ``UserError`` payload entries.
"""

from __future__ import annotations

from typing import Any


class ClientError(Exception):
    """An error meant for the client: its message and extensions pass unmasked."""

    code = "BAD_REQUEST"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.extensions: dict[str, Any] = {"code": self.code, **extensions}


class NotFound(ClientError):
    code = "NOT_FOUND"

    def __init__(self) -> None:
        super().__init__("未找到该对象。")


class FieldDenied(ClientError):
    code = "FORBIDDEN_FIELD"

    def __init__(self, reason: str) -> None:
        super().__init__("无权查看该字段。", reason=reason)


class Forbidden(ClientError):
    code = "FORBIDDEN"

    def __init__(self, message: str = "当前角色无权执行该操作。") -> None:
        super().__init__(message)


class Conflict(ClientError):
    code = "CONFLICT"

    def __init__(self, message: str = "数据已被他人修改，请刷新后重试。") -> None:
        super().__init__(message)
