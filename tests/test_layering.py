"""Layering: Celery tasks are the thin outer layer.

campaigns/tasks.py imports the logic modules; no other module in campaigns/
imports it back, not even inside a function. Logic that has to queue a task
(reminders.queue_assignment_email) looks it up by name in Celery's registry,
which CampaignsConfig.ready() fills in every process by importing tasks.py:
that one import, the app's wiring, is the only exception.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail as django_mail

from advocacy import celery_app
from campaigns import reminders, tasks
from campaigns.models import DeliveryStatus, EmailDelivery, EmailKind
from tests.factories import TacticFactory

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "campaigns"
TASKS = "campaigns.tasks"
IN_READY = "class CampaignsConfig:\n    def ready(self):\n        from . import tasks\n"
IN_OTHER = "class CampaignsConfig:\n    def other(self):\n        from . import tasks\n"


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(node, module, is_package):
    """The absolute module an `ast.ImportFrom` names, relative or not."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_tasks(name):
    return name == TASKS or name.startswith(TASKS + ".")


def _nodes(tree, module):
    """Every node of `tree`, except the body of CampaignsConfig.ready(), where
    the app wires its receivers and registers its tasks."""
    skipped = set()
    if module == "campaigns.apps":
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == "CampaignsConfig":
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == "ready":
                        skipped.update(map(id, ast.walk(item)))
    return [node for node in ast.walk(tree) if id(node) not in skipped]


def imports_of_tasks(source, module, is_package=False):
    """Line numbers where `source` (the text of `module`) imports the tasks
    module: any import statement at any depth, and import_module("...")."""
    lines = []
    for node in _nodes(ast.parse(source), module):
        if isinstance(node, ast.Import):
            if any(_is_tasks(alias.name) for alias in node.names):
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node, module, is_package)
            names = [f"{target}.{alias.name}" for alias in node.names]
            if _is_tasks(target) or any(_is_tasks(name) for name in names):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = getattr(func, "attr", None) or getattr(func, "id", None)
            first = node.args[0]
            if (
                called in {"import_module", "__import__"}
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and _is_tasks(first.value)
            ):
                lines.append(node.lineno)
    return sorted(lines)


def test_no_logic_module_imports_the_tasks_module():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        if module == TASKS:
            continue
        source = path.read_text(encoding="utf-8")
        is_package = path.name == "__init__.py"
        for line in imports_of_tasks(source, module, is_package):
            offenders.append(f"{path.relative_to(ROOT)}:{line}")
    assert not offenders, (
        "Only campaigns/tasks.py may import the tasks module; queue a task by "
        f"name through advocacy.celery_app.tasks instead: {offenders}"
    )


@pytest.mark.parametrize(
    ("source", "module", "is_package"),
    [
        ("import campaigns.tasks", "campaigns.board", False),
        ("import campaigns.tasks as t", "campaigns.board", False),
        ("from campaigns import tasks", "campaigns.board", False),
        ("from campaigns.tasks import send_reminders", "campaigns.board", False),
        ("from . import tasks", "campaigns.board", False),
        ("from . import mail, tasks", "campaigns.board", False),
        ("from . import tasks", "campaigns", True),
        ("from .tasks import send_reminders", "campaigns.board", False),
        ("from .. import tasks", "campaigns.views.board", False),
        ("from ..tasks import send_reminders", "campaigns.views.board", False),
        ("from ... import tasks", "campaigns.management.commands.x", False),
        ("def f():\n    from .tasks import send_reminders\n", "campaigns.x", False),
        ("class C:\n    def m(self):\n        import campaigns.tasks\n", "c.x", False),
        ("importlib.import_module('campaigns.tasks')", "campaigns.x", False),
        ("__import__('campaigns.tasks')", "campaigns.x", False),
        # apps.py may import it in ready(), and nowhere else.
        ("from . import tasks", "campaigns.apps", False),
        ("def ready():\n    from . import tasks\n", "campaigns.apps", False),
        (IN_OTHER, "campaigns.apps", False),
        (IN_READY, "campaigns.board", False),
    ],
)
def test_the_check_catches_every_way_of_importing_tasks(source, module, is_package):
    assert imports_of_tasks(source, module, is_package)


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("from . import mail, reminders", "campaigns.board"),
        ("from .reminders import queue_assignment_email", "campaigns.board"),
        ("from advocacy import celery_app", "campaigns.reminders"),
        ("NAME = 'campaigns.tasks.send_assignment_email'", "campaigns.reminders"),
        ("from django.tasks import task", "campaigns.board"),
        (IN_READY, "campaigns.apps"),
    ],
)
def test_the_check_lets_the_rest_through(source, module):
    assert imports_of_tasks(source, module) == []


def test_the_task_reminders_queues_by_name_exists():
    assert tasks.send_assignment_email.name == reminders.ASSIGNMENT_TASK
    assert reminders.ASSIGNMENT_TASK in celery_app.tasks


def test_django_setup_alone_registers_the_tasks():
    """Every process (web, worker, management command) starts Django, whose
    app ready() imports tasks.py: nothing else needs to import it."""
    probe = (
        "import sys, django; django.setup(); from advocacy import celery_app; "
        "from campaigns import reminders; "
        "assert 'campaigns.tasks' in sys.modules; "
        "celery_app.tasks[reminders.ASSIGNMENT_TASK]"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_an_unknown_task_name_keeps_the_email_for_the_next_scan(
    campaign, owner, member, monkeypatch, django_capture_on_commit_callbacks
):
    """If the registry lookup ever fails, the email is kept, not dropped."""
    monkeypatch.setattr(reminders, "ASSIGNMENT_TASK", "campaigns.tasks.renamed")
    tactic = TacticFactory(campaign=campaign, assignee=member)
    with django_capture_on_commit_callbacks(execute=True):
        reminders.queue_assignment_email(tactic, assigned_by=owner)
    kept = EmailDelivery.objects.get(user=member, kind=EmailKind.ASSIGNED)
    assert kept.status == DeliveryStatus.FAILED
    assert kept.error == "Not queued: NotRegistered"
    assert django_mail.outbox == []
