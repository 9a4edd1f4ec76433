"""Where pull requests live: a small interface, and its GitHub implementation on PyGithub.

The bot needs only this (find the open pull request of a branch, create one, update it,
comment, label, close), so a GitLab merge-request implementation can stand beside GitHub's
without touching the rest. Every failure is a :class:`ForgeError` whose ``str()`` is one line
naming what is missing; 5xx answers and rate limits are retried a bounded number of times.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class ForgeError(RuntimeError):
    """A forge answer the bot cannot go on from (one line, no token)."""


@dataclass(frozen=True)
class Pull:
    number: int
    title: str
    body: str
    url: str


class Forge(Protocol):
    def default_branch(self) -> str: ...
    def find_pull(self, branch: str) -> Pull | None: ...
    def create_pull(self, *, branch: str, base: str, title: str, body: str) -> Pull: ...
    def update_pull(self, pull: Pull, *, title: str | None = None, body: str | None = None,
                    closed: bool = False) -> None: ...
    def comment(self, pull: Pull, body: str) -> None: ...
    def comments(self, pull: Pull) -> list[str]: ...
    def add_label(self, pull: Pull, label: str) -> None: ...


class GitHub:
    """GitHub's REST API (github.com or GitHub Enterprise, by ``api_url``) through PyGithub."""

    def __init__(self, repository: str, token: str, api_url: str, *, attempts: int = 4, backoff: float = 1.0,
                 max_wait: float = 60.0, write_interval: float = 1.0) -> None:
        from github import Auth, Github

        self.repository = repository
        self.owner = repository.split("/", 1)[0]
        self.attempts, self.backoff, self.max_wait = attempts, backoff, max_wait
        self._client = Github(auth=Auth.Token(token) if token else None, base_url=api_url.rstrip("/"), retry=None,
                              timeout=30, seconds_between_requests=None,
                              seconds_between_writes=write_interval or None)
        self._repo: Any = None
        self._pulls: dict[int, Any] = {}

    # --- calls, with retries and one-line errors ---------------------------------------------------
    def _call(self, what: str, action: Callable[[], T], *, passthrough: Callable[[Any], bool] | None = None) -> T:
        """``action()``, retried on 5xx and rate limits; other failures become a ForgeError, except
        those ``passthrough`` wants to see (re-raised as they are)."""
        from github import GithubException

        for attempt in range(1, self.attempts + 1):
            try:
                return action()
            except GithubException as exc:
                if passthrough is not None and passthrough(exc):
                    raise
                wait = self._retry_after(exc)
                if wait is None or attempt == self.attempts:
                    raise ForgeError(self._explain(what, exc)) from None
                time.sleep(min(wait if wait > 0 else self.backoff * 2 ** (attempt - 1), self.max_wait))
            except OSError as exc:  # connection refused, DNS, timeouts
                if attempt == self.attempts:
                    raise ForgeError(f"cannot reach the GitHub API to {what}: {exc.__class__.__name__}") from None
                time.sleep(min(self.backoff * 2 ** (attempt - 1), self.max_wait))
        raise AssertionError("unreachable")

    @staticmethod
    def _retry_after(exc: Any) -> float | None:
        """Seconds to wait before retrying (0: back off as usual), or None: not to be retried."""
        headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
        status = exc.status
        limited = status == 429 or (status == 403 and (headers.get("x-ratelimit-remaining") == "0"
                                                       or "retry-after" in headers))
        if not limited and not (isinstance(status, int) and status >= 500):
            return None
        if "retry-after" in headers:
            try:
                return max(float(headers["retry-after"]), 0.0)
            except ValueError:
                return 0.0
        if "x-ratelimit-reset" in headers:
            try:
                return max(float(headers["x-ratelimit-reset"]) - time.time(), 0.0)
            except ValueError:
                return 0.0
        return 0.0

    def _explain(self, what: str, exc: Any) -> str:
        data = exc.data if isinstance(exc.data, dict) else {}
        message = str(data.get("message") or "").strip() or "no message"
        status = exc.status
        hint = ""
        if status == 401:
            hint = " (set GITHUB_TOKEN to a valid token)"
        elif status == 403 and "rate limit" in message.lower():
            hint = " (rate limited; retried, try again later)"
        elif status == 403:
            hint = " (the token needs the contents: write and pull-requests: write permissions)"
        elif status == 404 and what == "read the repository":
            hint = f" (no repository {self.repository}, or the token cannot see it)"
        elif isinstance(status, int) and status >= 500:
            hint = " (retried)"
        return f"GitHub answered {status} to {what}: {message}{hint}"

    # --- the interface --------------------------------------------------------------------------
    def _repository(self) -> Any:
        if self._repo is None:
            self._repo = self._call("read the repository", lambda: self._client.get_repo(self.repository))
        return self._repo

    def default_branch(self) -> str:
        return str(self._repository().default_branch)

    def _pull(self, data: Any) -> Pull:
        self._pulls[data.number] = data
        return Pull(data.number, data.title or "", data.body or "", data.html_url or "")

    def find_pull(self, branch: str) -> Pull | None:
        repo = self._repository()
        found = self._call("list pull requests",
                           lambda: list(repo.get_pulls(state="open", head=f"{self.owner}:{branch}")))
        return self._pull(found[0]) if found else None

    def create_pull(self, *, branch: str, base: str, title: str, body: str) -> Pull:
        from github import GithubException

        repo = self._repository()

        def exists(exc: Any) -> bool:
            return bool(exc.status == 422 and "already exists" in str(exc.data).lower())

        try:
            data = self._call("create the pull request",
                              lambda: repo.create_pull(base=base, head=branch, title=title, body=body),
                              passthrough=exists)
        except GithubException:  # one is open already (a listing that lagged): that is the one to update
            existing = self.find_pull(branch)
            if existing is None:
                raise ForgeError("GitHub answered 422 to create the pull request: one already exists, "
                                 "but it cannot be found") from None
            self.update_pull(existing, title=title, body=body)
            return existing
        return self._pull(data)

    def update_pull(self, pull: Pull, *, title: str | None = None, body: str | None = None,
                    closed: bool = False) -> None:
        changes: dict[str, str] = {}
        if title is not None:
            changes["title"] = title
        if body is not None:
            changes["body"] = body
        if closed:
            changes["state"] = "closed"
        if changes:
            self._call("update the pull request", lambda: self._pulls[pull.number].edit(**changes))

    def comment(self, pull: Pull, body: str) -> None:
        self._call("comment on the pull request", lambda: self._pulls[pull.number].create_issue_comment(body))

    def comments(self, pull: Pull) -> list[str]:
        return self._call("read the pull request's comments",
                          lambda: [c.body or "" for c in self._pulls[pull.number].get_issue_comments()])

    def add_label(self, pull: Pull, label: str) -> None:
        self._call("label the pull request", lambda: self._pulls[pull.number].add_to_labels(label))
