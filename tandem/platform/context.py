"""The request id of the current request, for log lines and audit records. (The company is never
held here: it is always passed explicitly.)"""

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("tandem_request_id", default="")
