"""``cfnfix bot`` against real git (a bare repository as the remote, real clones and pushes) and a
loopback server speaking GitHub's REST shapes. The bot runs as a user runs it: the installed
CLI in a subprocess, with a ``git`` on PATH that records every command line it is given."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.github_server import FakeGitHub

TOKEN = "ghs_test_token_0123456789"
DEFECT = ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\nOutputs:\n"
          "  TopicArn:\n    Value: !Ref Topic\n    Export:  # shared with the consumers\n")
ANOTHER = ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n"
           "    DependsOn: Bucket\n    Properties:\n      QueueName: !Sub '${Bucket}-q'\n  Bucket:\n"
           "    Type: AWS::S3::Bucket\n")
SECRET_DEFAULT = "Sup3rS3cret!"
SECRET = ("AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  Unused:\n    Type: String\n    NoEcho: true\n"
          f"    Default: {SECRET_DEFAULT}\nResources:\n  T:\n    Type: AWS::SNS::Topic\nOutputs:\n  O:\n"
          "    Value: !Ref T\n    Export:\n")


def git(*args: str, cwd: Path, **env: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
                          env={**os.environ, "GIT_AUTHOR_NAME": "Alice", "GIT_AUTHOR_EMAIL": "alice@example.com",
                               "GIT_COMMITTER_NAME": "Alice", "GIT_COMMITTER_EMAIL": "alice@example.com", **env})
    return done.stdout.strip()


class World:
    """A bare remote, a person's clone of it, the checkout the bot runs in, and the API server."""

    def __init__(self, root: Path, server: FakeGitHub) -> None:
        self.root, self.server = root, server
        self.remote, self.person, self.checkout = root / "remote.git", root / "person", root / "checkout"
        git("init", "-q", "--bare", "-b", "main", str(self.remote), cwd=root)
        git("clone", "-q", str(self.remote), str(self.person), cwd=root)
        git("checkout", "-q", "-b", "main", cwd=self.person)
        self.write("templates/topic.yaml", DEFECT)
        self.write("templates/clean.yaml", DEFECT.replace("    Export:  # shared with the consumers\n", ""))
        self.write("README.md", "infra\n")
        self.commit_and_push("templates")
        git("clone", "-q", str(self.remote), str(self.checkout), cwd=root)
        self.log = root / "git-commands.log"
        self.shim = root / "bin"
        self.shim.mkdir()
        real = subprocess.run(["which", "git"], capture_output=True, text=True, check=True).stdout.strip()
        (self.shim / "git").write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{self.log}"\nexec "{real}" "$@"\n')
        (self.shim / "git").chmod(0o755)

    def write(self, name: str, text: str) -> None:
        path = self.person / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def commit_and_push(self, message: str, branch: str = "main") -> str:
        git("add", "-A", cwd=self.person)
        git("commit", "-q", "-m", message, cwd=self.person)
        git("push", "-q", "origin", f"HEAD:refs/heads/{branch}", cwd=self.person)
        return git("rev-parse", "HEAD", cwd=self.person)

    def branch_tip(self, name: str = "cfnfix/fixes") -> str | None:
        done = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{name}"], cwd=self.remote,
                              capture_output=True, text=True, check=False)
        return done.stdout.strip() or None

    def bot(self, *args: str, token: str = TOKEN) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "GITHUB_TOKEN": token, "PATH": f"{self.shim}{os.pathsep}{os.environ['PATH']}"}
        env.pop("GITHUB_REPOSITORY", None)
        env.pop("GH_TOKEN", None)
        return subprocess.run([sys.executable, "-m", "cfnfix", "bot", "--repository", "acme/infra",
                               "--api-url", self.server.url, "--write-interval", "0", *args],
                              cwd=self.checkout, env=env, capture_output=True, text=True, check=False, timeout=300)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with FakeGitHub(token=TOKEN) as server:
        yield World(tmp_path, server)


def _writes(world: World) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in world.server.writes()]


def test_first_run_opens_one_pull_request_and_a_rerun_changes_nothing(world: World) -> None:
    (world.checkout / "untracked.yaml").write_text(DEFECT)
    (world.checkout / "README.md").write_text("my local edit\n")
    done = world.bot()
    assert done.returncode == 0, done.stderr
    tip = world.branch_tip()
    assert tip is not None
    base = git("rev-parse", "main", cwd=world.remote)
    assert git("rev-list", "--parents", "-n", "1", tip, cwd=world.remote).split()[1:] == [base]
    assert git("log", "-1", "--format=%an <%ae>", tip, cwd=world.remote) == \
        "cfnfix[bot] <cfnfix-bot@users.noreply.github.com>"
    assert git("diff", "--name-only", f"{base}..{tip}", cwd=world.remote) == "templates/topic.yaml"
    assert _writes(world) == [("POST", "/repos/acme/infra/pulls"), ("POST", "/repos/acme/infra/issues/1/labels")]
    (pull,) = world.server.state.pulls.values()
    assert pull["head"]["label"] == "acme:cfnfix/fixes" and pull["base"]["ref"] == "main"
    assert pull["title"] == "cfnfix: fix 1 finding in 1 template"
    assert "<!-- cfnfix-bot -->" in pull["body"] and "`templates/topic.yaml`" in pull["body"]
    assert "| `templates/topic.yaml` | 8 | CFX002 | export-name | safe |" in pull["body"]
    assert [label["name"] for label in pull["labels"]] == ["cfnfix"]
    assert f"pushed cfnfix/fixes ({tip[:12]})" in done.stdout and "opened pull request #1" in done.stdout
    # the checkout: same branch, untracked file and local edit as they were, no worktree left
    assert git("rev-parse", "--abbrev-ref", "HEAD", cwd=world.checkout) == "main"
    assert (world.checkout / "untracked.yaml").read_text() == DEFECT
    assert (world.checkout / "README.md").read_text() == "my local edit\n"
    assert len(git("worktree", "list", cwd=world.checkout).splitlines()) == 1

    requests = len(world.server.state.requests)
    again = world.bot()
    assert again.returncode == 0, again.stderr
    assert world.branch_tip() == tip
    assert len(_writes(world)) == 2  # no new write of any kind
    assert all(r.method == "GET" for r in world.server.state.requests[requests:])
    assert "already holds these fixes; nothing pushed" in again.stdout and "is up to date" in again.stdout


def test_a_new_defect_updates_the_same_pull_request(world: World) -> None:
    assert world.bot().returncode == 0
    first = world.branch_tip()
    world.write("templates/queue.yaml", ANOTHER)
    world.commit_and_push("queue")
    done = world.bot()
    assert done.returncode == 0, done.stderr
    assert world.branch_tip() != first
    assert len(world.server.state.pulls) == 1
    assert ("PATCH", "/repos/acme/infra/pulls/1") in _writes(world)
    assert world.server.state.pulls[1]["title"] == "cfnfix: fix 2 findings in 2 templates"
    assert "`templates/queue.yaml`" in world.server.state.pulls[1]["body"]
    assert "updated pull request #1" in done.stdout


def test_a_persons_commit_on_the_bot_branch_survives(world: World) -> None:
    assert world.bot().returncode == 0
    git("fetch", "-q", "origin", cwd=world.person)
    git("checkout", "-q", "-b", "fixes", "origin/cfnfix/fixes", cwd=world.person)
    world.write("templates/topic.yaml", DEFECT + "# reviewed\n")
    mine = world.commit_and_push("my review", branch="cfnfix/fixes")
    git("checkout", "-q", "main", cwd=world.person)
    world.write("templates/queue.yaml", ANOTHER)
    world.commit_and_push("queue")
    for _ in range(2):
        done = world.bot()
        assert done.returncode == 0, done.stderr
        assert world.branch_tip() == mine
        assert "has commits by someone else; the bot leaves the branch as it is" in done.stdout
    comments = world.server.state.comments[1]
    assert len(comments) == 1 and "leaves it as it is" in comments[0]["body"]


def test_nothing_left_to_fix_closes_the_pull_request(world: World) -> None:
    assert world.bot().returncode == 0
    git("fetch", "-q", "origin", cwd=world.person)
    git("merge", "-q", "--ff-only", "origin/cfnfix/fixes", cwd=world.person)
    git("push", "-q", "origin", "HEAD:refs/heads/main", cwd=world.person)
    done = world.bot()
    assert done.returncode == 0, done.stderr
    assert world.server.state.pulls[1]["state"] == "closed"
    assert "no longer needs these fixes" in world.server.state.comments[1][0]["body"]
    assert "closed pull request #1" in done.stdout
    calm = world.bot()
    assert calm.returncode == 0 and "nothing to fix on main" in calm.stdout


def test_an_interrupted_run_is_finished_by_the_next(world: World) -> None:
    assert world.bot().returncode == 0
    world.server.state.pulls.clear()  # pushed, but the pull request never got created
    done = world.bot()
    assert done.returncode == 0, done.stderr
    assert "nothing pushed" in done.stdout and "opened pull request #1" in done.stdout
    git("push", "-q", "origin", ":refs/heads/cfnfix/fixes", cwd=world.person)  # the branch is gone
    again = world.bot()
    assert again.returncode == 0, again.stderr
    assert world.branch_tip() is not None and "pushed cfnfix/fixes" in again.stdout
    assert len(world.server.state.pulls) == 1


def test_dry_run_prints_the_pull_request_and_writes_nothing(world: World) -> None:
    done = world.bot("--dry-run")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Title: cfnfix: fix 1 finding in 1 template\n\n<!-- cfnfix-bot -->")
    assert "```diff\n--- a/templates/topic.yaml\n+++ b/templates/topic.yaml\n" in done.stdout
    assert world.branch_tip() is None and world.server.writes() == []


def test_api_failures_are_one_line_and_exit_2(world: World) -> None:
    bad = world.bot(token="ghs_wrong")
    assert bad.returncode == 2
    assert bad.stderr.splitlines() == ["cfnfix bot: GitHub answered 401 to read the repository: Bad credentials "
                                       "(set GITHUB_TOKEN to a valid token)"]
    missing = world.bot("--repository", "acme/nope")
    assert missing.returncode == 2
    assert "GitHub answered 404 to read the repository: Not Found (no repository acme/nope" in missing.stderr
    world.server.fail("POST", "/repos/acme/infra/pulls", 403, "Resource not accessible by integration")
    forbidden = world.bot()
    assert forbidden.returncode == 2 and "pull-requests: write" in forbidden.stderr
    world.server.fail("GET", "/repos/acme/infra/pulls", 502, "Bad Gateway", times=2)
    retried = world.bot()
    assert retried.returncode == 0, retried.stderr
    assert "opened pull request #1" in retried.stdout
    world.server.fail("GET", "/repos/acme/infra/pulls", 429, "too many requests", headers={"Retry-After": "0"})
    world.server.fail("PATCH", "/repos/acme/infra/pulls/1", 403, "API rate limit exceeded",
                      headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "0"})
    world.write("templates/queue.yaml", ANOTHER)
    world.commit_and_push("queue")
    limited = world.bot()
    assert limited.returncode == 0, limited.stderr  # both retried after the wait they asked for
    assert world.server.state.pulls[1]["title"] == "cfnfix: fix 2 findings in 2 templates"
    world.server.fail("GET", "/repos/acme/infra", 503, "Service Unavailable", times=10,
                      headers={"Retry-After": "0"})
    down = world.bot()
    assert down.returncode == 2 and "GitHub answered 503 to read the repository" in down.stderr
    assert "Traceback" not in bad.stderr + missing.stderr + forbidden.stderr + down.stderr


def test_a_422_already_exists_finds_and_updates_the_pull_request(world: World) -> None:
    assert world.bot().returncode == 0
    world.write("templates/queue.yaml", ANOTHER)
    world.commit_and_push("queue")
    world.server.state.hide_open_pulls = 1  # the next list misses the open pull request, as a lagging index can
    done = world.bot()
    assert done.returncode == 0, done.stderr
    creates = [w for w in _writes(world) if w == ("POST", "/repos/acme/infra/pulls")]
    assert len(creates) == 2  # the second answered 422 "already exists"
    state = world.server.state
    assert len(state.pulls) == 1 and state.pulls[1]["title"] == "cfnfix: fix 2 findings in 2 templates"


def test_the_token_is_in_no_output_argument_list_or_git_config(world: World) -> None:
    world.write("templates/secret.yaml", SECRET)
    world.commit_and_push("secret")
    runs = [world.bot("--unsafe-fixes"), world.bot("--dry-run", "--unsafe-fixes"), world.bot(token="ghs_wrong")]
    for done in runs:
        assert TOKEN not in done.stdout + done.stderr
        assert SECRET_DEFAULT not in done.stdout + done.stderr
    log = world.log.read_text()
    assert "push" in log and TOKEN not in log
    assert TOKEN not in (world.checkout / ".git" / "config").read_text()
    pull = world.server.state.pulls[1]
    assert SECRET_DEFAULT not in pull["body"] and "Default: ****" in pull["body"]
    tip = world.branch_tip()
    assert tip is not None
    assert SECRET_DEFAULT not in git("log", "-1", "--format=%B", tip, cwd=world.remote)
    assert all(r.authorization in ("present", "") for r in world.server.state.requests)


def test_the_documented_workflows_are_valid_yaml_with_the_permissions_the_bot_needs() -> None:
    import yaml

    from tests.conftest import ROOT

    docs = (ROOT / "docs" / "bot.md").read_text()
    workflows = [yaml.safe_load(block.split("```", 1)[0]) for block in docs.split("```yaml\n")[1:]]
    assert len(workflows) == 2
    for workflow in workflows:
        triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
        assert {"schedule", "workflow_dispatch"} <= set(triggers)
        jobs = list(workflow["jobs"].values())
        runs = [step.get("run", "") for job in jobs for step in job["steps"]]
        assert any(run.startswith("cfnfix bot") for run in runs)
        concurrency = workflow.get("concurrency") or jobs[0].get("concurrency")
        assert concurrency["cancel-in-progress"] is False
    assert workflows[0]["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert "matrix" in workflows[1]["jobs"]["bot"]["strategy"]
