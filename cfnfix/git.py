"""The git CLI, run with argument lists (paths never pass through a shell).

A token reaches git only through the environment (``GIT_CONFIG_COUNT`` /
``GIT_CONFIG_KEY_n`` / ``GIT_CONFIG_VALUE_n`` with an ``http.extraheader``): never an
argument, never ``.git/config``.
"""

from __future__ import annotations

import base64
import os
import subprocess
from dataclasses import dataclass, field


class GitError(RuntimeError):
    """A git command that failed; ``str()`` is one line (the token is never in it)."""


@dataclass
class Git:
    """git in one repository; ``token`` authenticates HTTP remotes through the environment."""

    directory: str
    token: str = ""
    #: every command run, as its argument list (for the output and for tests)
    commands: list[list[str]] = field(default_factory=list)

    def _environment(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_CONFIG_")}
        env.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
        if self.token:
            basic = base64.b64encode(f"x-access-token:{self.token}".encode()).decode()
            env.update({"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraheader",
                        "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}"})
        env.update(extra or {})
        return env

    def run(self, *args: str, check: bool = True, cwd: str | None = None, env: dict[str, str] | None = None,
            input_text: str | None = None) -> str:
        """The command's stdout; raises GitError (with git's own first line of complaint) on failure."""
        command = ["git", *args]
        self.commands.append(command)
        done = subprocess.run(command, cwd=cwd or self.directory, env=self._environment(env), capture_output=True,
                              text=True, check=False, input=input_text, timeout=600)
        if check and done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            reason = next((line for line in lines if line.startswith(("fatal:", "error:"))), lines[-1] if lines else "")
            raise GitError(f"git {args[0]} failed: {self._masked(reason) or f'exit {done.returncode}'}")
        return done.stdout

    def _masked(self, text: str) -> str:
        return text.replace(self.token, "****") if self.token else text

    def rev(self, ref: str) -> str | None:
        """The commit a ref names, or None."""
        return self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False).strip() or None

    def remote_url(self, remote: str) -> str:
        return self.run("remote", "get-url", remote).strip()
