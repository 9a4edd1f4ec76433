"""A loopback HTTP server speaking the part of GitHub's REST API the bot uses, shaped as GitHub's
REST documentation shows: the repository, pulls (list, create, get, update), an issue's
labels and comments. It records every request, checks the token, can be told to fail, binds
127.0.0.1 only and shuts itself down after a time limit.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    authorization: str


@dataclass
class Failure:
    method: str
    path: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int


@dataclass
class State:
    owner: str
    name: str
    token: str
    default_branch: str = "main"
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    #: answer this many pull listings with an empty list (a lagging search index)
    hide_open_pulls: int = 0


class FakeGitHub:
    def __init__(self, owner: str = "acme", name: str = "infra", token: str = "ghs_test_token_0123456789",
                 lifetime: float = 600.0) -> None:
        self.state = State(owner, name, token)
        state = self.state
        server_ref: list[FakeGitHub] = [self]

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _handle(self) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                auth = self.headers.get("Authorization", "")
                state.requests.append(Request(self.command, url.path, parse_qs(url.query), body,
                                              "present" if auth else ""))
                for failure in state.failures:
                    if failure.times and failure.method == self.command and failure.path.fullmatch(url.path):
                        failure.times -= 1
                        return self._send(failure.status, failure.body, failure.headers)
                if auth.split()[-1:] != [state.token]:
                    return self._send(401, {"message": "Bad credentials",
                                            "documentation_url": "https://docs.github.com/rest"})
                status, payload = server_ref[0].route(self.command, url.path, parse_qs(url.query), body)
                self._send(status, payload)

            do_GET = do_POST = do_PATCH = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True

    def __enter__(self) -> FakeGitHub:
        self._thread.start()
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._timer.cancel()
        self.server.shutdown()
        self.server.server_close()

    # --- test controls ----------------------------------------------------------------------------
    def fail(self, method: str, path: str, status: int, message: str, *, times: int = 1,
             headers: dict[str, str] | None = None) -> None:
        self.state.failures.append(Failure(method, re.compile(path), status, {"message": message},
                                           headers or {}, times))

    def writes(self) -> list[Request]:
        return [r for r in self.state.requests if r.method != "GET"]

    # --- GitHub's shapes ---------------------------------------------------------------------------
    @property
    def _repo_path(self) -> str:
        return f"/repos/{self.state.owner}/{self.state.name}"

    def _repository(self) -> dict[str, Any]:
        s = self.state
        return {"id": 1, "node_id": "R_1", "name": s.name, "full_name": f"{s.owner}/{s.name}", "private": False,
                "owner": {"login": s.owner, "id": 1, "type": "Organization"},
                "html_url": f"{self.url}/{s.owner}/{s.name}", "url": f"{self.url}{self._repo_path}",
                "default_branch": s.default_branch}

    def _pull(self, number: int) -> dict[str, Any]:
        return self.state.pulls[number]

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        s, repo = self.state, self._repo_path
        if not path.startswith(repo):
            return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
        rest = path[len(repo):]
        if method == "GET" and rest == "":
            return 200, self._repository()
        if rest == "/pulls" and method == "GET":
            if s.hide_open_pulls:
                s.hide_open_pulls -= 1
                return 200, []
            head = query.get("head", [None])[0]
            state = query.get("state", ["open"])[0]
            found = [p for p in s.pulls.values() if (state == "all" or p["state"] == state)
                     and (head is None or p["head"]["label"] == head)]
            return 200, found
        if rest == "/pulls" and method == "POST":
            head = body["head"]
            label = head if ":" in head else f"{s.owner}:{head}"
            if any(p["head"]["label"] == label and p["state"] == "open" for p in s.pulls.values()):
                return 422, {"message": "Validation Failed", "errors": [
                    {"resource": "PullRequest", "code": "custom",
                     "message": f"A pull request already exists for {label}."}]}
            number = len(s.pulls) + 1
            s.pulls[number] = {
                "id": 100 + number, "node_id": f"PR_{number}", "number": number, "state": "open",
                "title": body.get("title", ""), "body": body.get("body", ""),
                "url": f"{self.url}{repo}/pulls/{number}", "html_url": f"{self.url}/{s.owner}/{s.name}/pull/{number}",
                "issue_url": f"{self.url}{repo}/issues/{number}",
                "head": {"ref": label.split(":", 1)[1], "label": label},
                "base": {"ref": body["base"], "label": f"{s.owner}:{body['base']}"},
                "labels": [], "user": {"login": "cfnfix[bot]", "id": 2, "type": "Bot"},
            }
            return 201, s.pulls[number]
        match = re.fullmatch(r"/pulls/(\d+)", rest)
        if match and int(match[1]) in s.pulls:
            pull = self._pull(int(match[1]))
            if method == "PATCH":
                pull.update({k: v for k, v in body.items() if k in ("title", "body", "state")})
            return 200, pull
        match = re.fullmatch(r"/issues/(\d+)/(comments|labels)", rest)
        if match and int(match[1]) in s.pulls:
            number, what = int(match[1]), match[2]
            if what == "labels" and method == "POST":
                pull = self._pull(number)
                for name in body if isinstance(body, list) else body.get("labels", []):
                    if name not in [label["name"] for label in pull["labels"]]:
                        pull["labels"].append({"id": len(pull["labels"]) + 1, "name": name, "color": "ededed"})
                return 200, pull["labels"]
            if what == "comments" and method == "POST":
                comments = s.comments.setdefault(number, [])
                comment = {"id": 1000 + len(comments), "body": body["body"],
                           "url": f"{self.url}{repo}/issues/comments/{1000 + len(comments)}",
                           "html_url": f"{self.url}/{s.owner}/{s.name}/pull/{number}#comment"}
                comments.append(comment)
                return 201, comment
            if what == "comments" and method == "GET":
                return 200, s.comments.get(number, [])
        return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
