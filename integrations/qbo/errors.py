"""A small set of our own errors for everything QuickBooks can answer, with readable text."""


class QboError(Exception):
    """Base: `message` is for people; `code` is QBO's fault code when there is one."""

    retryable = False

    def __init__(self, message: str, *, code: str = "", detail: str = "", status: int = 0,
                 intuit_tid: str = ""):
        """`intuit_tid`: Intuit's id of the answer (its support asks for it)."""
        super().__init__(message)
        self.message = message
        self.code = str(code or "")
        self.detail = detail
        self.status = status
        self.intuit_tid = intuit_tid or ""


class QboAuthError(QboError):
    """The tokens no longer work: the user has to reconnect."""


class QboThrottled(QboError):
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


INTUIT_THROTTLE_WAIT_SECONDS = 60  # Intuit: "wait 60 seconds before retrying the request"


def throttled_message(seconds: float) -> str:
    """What the sync log says when QuickBooks itself answered 429."""
    return ("QuickBooks is getting too many requests for this company right now, so hatsync "
            f"waits the {seconds:g} second{'' if seconds == 1 else 's'} QuickBooks asks for "
            "and then tries again by "
            "itself. Nothing to do.")


class QboBudgetExhausted(QboThrottled):
    """Our own per-company request budget is spent for now: not QuickBooks' refusal, and
    not a problem; the work goes again when the budget has room."""


class QboUnavailable(QboError):
    """5xx or a network failure: try again later."""

    retryable = True


class QboFault(QboError):
    """QBO refused the request (validation, duplicate, stale object, not found...)."""

    @property
    def is_stale_object(self) -> bool:
        return self.code == "5010"

    @property
    def is_duplicate_name(self) -> bool:
        return self.code == "6240"

    @property
    def is_duplicate_doc_number(self) -> bool:
        return self.code == "6140"

    @property
    def is_not_found(self) -> bool:
        return self.code == "610"

    @property
    def is_invalid_reference(self) -> bool:
        """A customer, item or code the request names is inactive ("deleted") or missing."""
        text = f"{self.message} {self.detail}".lower()
        return self.code == "2500" or (
            self.code in {"610", "6000"} and ("inactive" in text or "deleted" in text)
        )

    @property
    def is_books_closed(self) -> bool:
        """The change is dated on or before the company's closing date (Intuit's fault list:
        6200 "Account Period Closed"; 6210 when a closing-date password is set)."""
        return self.code in {"6200", "6210"} or "account period closed" in self.message.lower()

    @property
    def is_company_not_writable(self) -> bool:
        """6190 "Invalid Company Status": the subscription or trial ended, was cancelled, or
        has a billing problem. Every write is refused until it is put right; reads still work."""
        return self.code == "6190"
