"""Background tasks that keep the request id of the request that enqueued them.

`@traced_task()` replaces django_tasks' `@task()`: enqueuing adds the current request id
as the `request_id` keyword argument (stored with the task's arguments, so it survives
the trip through the database queue), and while the worker runs the task every log line
carries it, the worker's own "Task … state=…" lines included. So one id finds the page
that asked for an e-mail and the worker's attempt to send it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import Token
from typing import Any

from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME, TaskResult
from django_tasks.base import DEFAULT_TASK_PRIORITY, Task
from django_tasks.signals import log_task_started, task_finished, task_started

from .request_id import (
    bind_request_id,
    bound_request_id,
    current_request_id,
    unbind_request_id,
)

REQUEST_ID_KWARG = "request_id"


class RequestTracedTask(Task):
    """A Task whose enqueue carries the caller's request id along."""

    def enqueue(self, *args: Any, **kwargs: Any) -> TaskResult:
        return Task.enqueue(self, *args, **_with_request_id(kwargs))

    async def aenqueue(self, *args: Any, **kwargs: Any) -> TaskResult:
        return await Task.aenqueue(self, *args, **_with_request_id(kwargs))


def _with_request_id(kwargs: dict[str, Any]) -> dict[str, Any]:
    request_id = current_request_id()
    if request_id is None or REQUEST_ID_KWARG in kwargs:
        return kwargs
    return {**kwargs, REQUEST_ID_KWARG: request_id}


def traced_task(
    *,
    priority: int = DEFAULT_TASK_PRIORITY,
    queue_name: str = DEFAULT_TASK_QUEUE_NAME,
    backend: str = DEFAULT_TASK_BACKEND_ALIAS,
) -> Callable[[Callable[..., Any]], RequestTracedTask]:
    """Like `django_tasks.task()`, for a function that takes no `request_id` of its own."""

    def decorate(function: Callable[..., Any]) -> RequestTracedTask:
        # functools.wraps keeps the module and name the worker imports the task by.
        @functools.wraps(function)
        def run(*args: Any, request_id: str | None = None, **kwargs: Any) -> Any:
            if request_id is None:
                return function(*args, **kwargs)
            with bound_request_id(request_id):
                return function(*args, **kwargs)

        return RequestTracedTask(
            func=run,
            priority=priority,
            queue_name=queue_name,
            backend=backend,
            takes_context=False,
            run_after=None,
        )

    return decorate


# The worker logs "Task … state=RUNNING" and "… state=SUCCESSFUL/FAILED" from receivers of
# these signals, outside the task function: bind the id from the started signal to the
# finished one (after both of its lines), keyed by the task result.
_bound: dict[str, Token[str | None]] = {}


def _bind_task_request_id(sender: Any, task_result: TaskResult, **kwargs: Any) -> None:
    request_id = task_result.kwargs.get(REQUEST_ID_KWARG)
    if isinstance(request_id, str):
        _bound[task_result.id] = bind_request_id(request_id)


def _unbind_task_request_id(sender: Any, task_result: TaskResult, **kwargs: Any) -> None:
    token = _bound.pop(task_result.id, None)
    if token is not None:
        unbind_request_id(token)


# Receivers run in the order they were connected: ours must come before django_tasks'
# "started" line and after its "finished" line.
task_started.disconnect(log_task_started)
task_started.connect(_bind_task_request_id, dispatch_uid="cdp_portal.bind_request_id")
task_started.connect(log_task_started)
task_finished.connect(_unbind_task_request_id, dispatch_uid="cdp_portal.unbind_request_id")
