"""Which functions of a file run when the file runs: called from module-level code.

A function runs at import (or install) time when module-level code calls it,
passes it on (``threading.Thread(target=f)``, ``atexit.register(f)``,
``setup(cmdclass={"install": C})``), hands a bound method of it to a thread, a
timer or an exit handler (``Thread(target=self.m)``), or decorates with it; or
when a function that runs calls it. Instantiating a class runs its constructor
(and a thread's ``run``); passing a class on counts all its methods, except to
an ABC's ``register`` (a virtual subclass runs nothing). Defining a class runs its
decorators, its metaclass's ``__prepare__``, ``__new__`` and ``__init__``, and its
bases' ``__init_subclass__``. A decorator's inner
function that it registers in its ``return`` (``return app.tool()(wrapper)``)
runs when the decorated function is called, not at import. A dangerous act
inside such a function counts where the function is called, not as deferred.

Names are matched within the file: ``f()`` is the function ``f`` defined in it,
``self.m()`` the method ``m`` of the caller's class.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from guard.analysis.scan.python.exprs import last_word, named_by_string
from guard.analysis.scan.python.walk import MAIN, Nodes

_CONSTRUCTORS = ("__init__", "__new__", "__post_init__", "__call__", "__set_name__", "__del__")
# What defining a class runs of its metaclass (``class C(metaclass=M)``), and of the
# classes it derives from
_META_HOOKS = ("__prepare__", "__new__", "__init__")
_BASE_HOOKS = ("__init_subclass__",)
_SELF = frozenset({"self", "cls"})


def live_functions(
    nodes: Nodes,
    called: frozenset[str] = frozenset(),
    as_main: bool = False,
    module: bool = True,
) -> set[str]:
    """The keys (``f``, ``Class.m``) of the functions that run with the module
    (``called``: those that other files call; ``as_main``: the file runs as
    ``__main__``, as a build runs ``setup.py``, so its main guard runs too;
    ``module=False``: those that run because other files call them, only)."""
    if not nodes.functions:
        return set()
    edges = _edges(nodes, as_main)
    todo = [k for name in called for k in _called(name, None, nodes)]
    if module:
        todo.extend(edges.get(None, ()))
    if as_main:
        todo.extend(edges.get(MAIN, ()))
    return _closure(todo, edges, nodes)


def started_functions(nodes: Nodes) -> set[str]:
    """The keys of the functions that module-level code starts in the background or
    for the interpreter's exit (a thread's or a timer's target, an executor's task,
    an ``atexit`` handler, a thread class's ``run``), and what those run."""
    if not nodes.functions:
        return set()
    todo: list[str] = []
    for node in nodes.checked:
        if not isinstance(node, ast.Call) or id(node) in nodes.owner:
            continue
        if runs_what_it_is_given(node):
            todo.extend(_callees(node, None, nodes))
        elif _name(node.func) in nodes.thread_classes:
            todo.extend(f"{_name(node.func)}.{m}" for m in ("run", "start"))
    return _closure(todo, _edges(nodes, False), nodes)


def _closure(todo: list[str], edges: dict[str | None, set[str]], nodes: Nodes) -> set[str]:
    """The functions of ``todo`` and all they call, transitively."""
    live: set[str] = set()
    while todo:
        key = todo.pop()
        if key not in live and key in nodes.functions:
            live.add(key)
            todo.extend(edges.get(key, ()))
    return live


def reached_from_classes(nodes: Nodes) -> dict[str, str]:
    """Function key -> the first class whose methods call, pass on or register it
    (transitively): what an overridden command runs besides its own methods."""
    if not nodes.classes:
        return {}
    edges = _edges(nodes)
    out: dict[str, str] = {}
    for cls, methods in nodes.classes.items():
        todo = [k for m in methods for k in edges.get(m, ())]
        while todo:
            key = todo.pop()
            if key in out or key in methods or key not in nodes.functions:
                continue
            out[key] = cls
            todo.extend(edges.get(key, ()))
    return out


def _edges(nodes: Nodes, as_main: bool = False) -> dict[str | None, set[str]]:
    """owner (None: module level; ``MAIN``: the main guard, with ``as_main``) ->
    the function keys its code calls or passes on (made once per file and
    ``as_main``: the functions that run, and those other files reach, ask again)."""
    known = nodes.edges.get(as_main)
    if known is None:
        known = nodes.edges[as_main] = _make_edges(nodes, as_main)
    return known


def _make_edges(nodes: Nodes, as_main: bool) -> dict[str | None, set[str]]:
    edges: dict[str | None, set[str]] = {}
    for node in nodes.checked:
        if isinstance(node, ast.Call | ast.For):
            owner = nodes.owner.get(id(node))
            if owner == MAIN and not as_main:
                continue
            if isinstance(node, ast.Call):
                edges.setdefault(owner, set()).update(_callees(node, owner, nodes))
            if takes_from_container(node):
                taken = _taken(node, module_containers(nodes), nodes)
                edges.setdefault(owner, set()).update(taken)
    for owner, decorator in nodes.decorators:
        name = _name(decorator)
        if name and (owner != MAIN or as_main):
            edges.setdefault(owner, set()).update(_called(name, owner, nodes))
    for owner, names in nodes.class_runs:
        if owner != MAIN or as_main:
            edges.setdefault(owner, set()).update(_class_hooks(names, nodes))
    return edges


def takes_from_container(node: ast.Call | ast.For) -> bool:
    """A loop over a container (``for f in (a, b)``, ``for f in STEPS``,
    ``.values()``), or a call of an item of one (``TASKS["x"]()``)."""
    if isinstance(node, ast.For):
        return isinstance(node.iter, _ITERATED)
    return isinstance(node.func, ast.Subscript)


def runs_loop_target(loop: ast.For) -> bool:
    """The loop's body calls what the loop binds (``f()``), or hands it to a thread
    or an exit handler: a loop that registers each function of a table (a CLI's
    commands) runs none of them."""
    bound = {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
    for statement in loop.body:
        for sub in ast.walk(statement):
            if not isinstance(sub, ast.Call):
                continue
            if isinstance(sub.func, ast.Name) and sub.func.id in bound:
                return True
            given = [*sub.args, *(k.value for k in sub.keywords)]
            if runs_what_it_is_given(sub) and any(
                isinstance(g, ast.Name) and g.id in bound for g in given
            ):
                return True
    return False


def _taken(node: ast.Call | ast.For, held: dict[str, list[str]], nodes: Nodes) -> list[str]:
    """The keys of the functions and classes that ``taken_names`` runs."""
    return [k for ref in taken_names(node, held) for k in _passed(ref, nodes)]


def taken_names(node: ast.AST, held: dict[str, list[str]]) -> list[str]:
    """The names a loop over a container of functions, or a call of one of its items,
    runs: those the container names, a literal or a name module-level code assigns
    one (``held``: ``module_containers``), also through a method of it
    (``TASKS.values()``); none for other nodes."""
    if isinstance(node, ast.For):
        where = node.iter
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Subscript):
        where = node.func.value
    else:
        return []
    if isinstance(where, ast.Call) and isinstance(where.func, ast.Attribute):
        where = where.func.value  # (``TASKS.values()``)
    if isinstance(where, ast.Name):
        refs = held.get(where.id, [])
    elif isinstance(where, _CONTAINERS):
        refs = list(_references(where))
    else:
        refs = []
    # (a loop runs what it goes over only if its body calls it: looked at last)
    if not refs or (isinstance(node, ast.For) and not runs_loop_target(node)):
        return []
    return refs


_CONTAINERS = (ast.List, ast.Tuple, ast.Set, ast.Dict)
_ITERATED = (ast.Name, ast.Call, *_CONTAINERS)


def module_containers(nodes: Nodes) -> dict[str, list[str]]:
    """Name -> the bare names in the literal container module-level code assigns it
    (``STEPS = [collect, send]``, ``TASKS = {"x": send}``); made once per walk."""
    if nodes.containers is None:
        nodes.containers = _containers(nodes)
    return nodes.containers


def _containers(nodes: Nodes) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for node in nodes.collected:
        if (
            isinstance(node, ast.Assign)
            and id(node) not in nodes.owner
            and isinstance(node.value, _CONTAINERS)
        ):
            refs = list(_references(node.value))
            for target in node.targets:
                if isinstance(target, ast.Name) and refs:
                    out.setdefault(target.id, []).extend(refs)
    return out


def _class_hooks(names: list[str], nodes: Nodes) -> Iterator[str]:
    """The hooks a class statement runs: its metaclass's (a name marked with a final
    ".", see ``walk.Nodes.class_runs``) and its bases' ``__init_subclass__``."""
    for name in names:
        meta = name.endswith(".")
        cls = name.rstrip(".")
        if cls in nodes.classes:
            yield from (f"{cls}.{hook}" for hook in (_META_HOOKS if meta else _BASE_HOOKS))


def _callees(call: ast.Call, owner: str | None, nodes: Nodes) -> list[str]:
    """The functions a call runs: its target, and the functions and classes it is given
    (not a function's own inner function in the call it returns: a decorator's
    wrapper, registered and handed back to run later, ``return app.tool()(wrapper)``)."""
    name = _name(call.func)
    out = _called(name, owner, nodes) if name else []
    # (most arguments are no name and no literal that holds one: read no further)
    args = [*call.args, *(k.value for k in call.keywords)]
    given: list[ast.expr] = [a for a in args if isinstance(a, _HANDS_ON)]
    looked = (_looked_up(a) for a in args if isinstance(a, ast.Subscript | ast.Call))
    given.extend(n for n in looked if n is not None)
    if given:
        out = [*out, *_given(call, owner, nodes, given)]
    return out


def _looked_up(node: ast.expr) -> ast.expr | None:
    """A function looked up by its name as a string (``globals()["f"]``,
    ``getattr(mod, "f")``: ``exprs.named_by_string``), as the name it is."""
    name = named_by_string(node)
    if not name:
        return None
    head, _, attr = name.rpartition(".")
    return ast.Attribute(ast.Name(head), attr) if head else ast.Name(name)


# (see ``_references`` and ``_bound``)
_HANDS_ON = (ast.Name, ast.Attribute, ast.Dict, ast.List, ast.Tuple, ast.Set)


def _given(call: ast.Call, owner: str | None, nodes: Nodes, given: list[ast.expr]) -> Iterator[str]:
    """The functions and classes the arguments ``given`` hand on."""
    handed_back = owner is not None and id(call) in nodes.returned
    registers = _registers(call)
    runner = runs_what_it_is_given(call)
    for arg in given:
        if isinstance(arg, ast.Attribute):
            yield from _bound(arg, owner, nodes) if runner else ()
            continue
        for ref in _references(arg):
            if handed_back and nodes.enclosing.get(ref) == owner:
                continue
            if not (registers and ref in nodes.classes):
                yield from _passed(ref, nodes)


# Calls that run what they are given, soon and in any case: threads, timers,
# processes, executors, event loops, exit handlers (not the registries of a CLI
# or a web framework, which run a handler only when it is asked for).
_RUNNERS = frozenset(
    {
        "Thread",
        "Timer",
        "Process",
        "start_new_thread",
        "submit",
        "call_soon",
        "call_later",
        "run_in_executor",
        "create_task",
        "ensure_future",
    }
)


def runs_what_it_is_given(call: ast.Call) -> bool:
    """The call runs what it is given (see ``_RUNNERS``; ``atexit.register``)."""
    func = call.func
    last = last_word(func)
    atexit = isinstance(func, ast.Attribute) and _name(func.value) == "atexit"
    return last in _RUNNERS or (atexit and last == "register")


def _bound(node: ast.Attribute, owner: str | None, nodes: Nodes) -> list[str]:
    """The method a bound method handed to a runner runs (``Thread(target=self.grab)``):
    ``self.m`` of the owner's class, ``C().m`` of a class ``C`` of the file, or
    ``obj.m`` when one class of the file has a method ``m``."""
    value, method = node.value, node.attr
    if isinstance(value, ast.Name) and value.id in _SELF:
        return _called(f"{value.id}.{method}", owner, nodes)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        cls = value.func.id
        return [f"{cls}.{method}"] if cls in nodes.classes else []
    if not isinstance(value, ast.Name):
        return []
    keys = [k for keys in nodes.classes.values() for k in keys if k.endswith(f".{method}")]
    return keys if len(keys) == 1 else []


def _registers(call: ast.Call) -> bool:
    """``Base.register(Class)``: an ABC's virtual subclass, or a ``singledispatch``
    type; nothing of the class runs (``atexit.register`` runs what it is given)."""
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "register"
        and not (isinstance(func.value, ast.Name) and func.value.id == "atexit")
    )


def _name(node: ast.expr) -> str:
    """``f`` for ``f``, ``self.m`` for ``self.m``; '' for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in _SELF
    ):
        return f"{node.value.id}.{node.attr}"
    if isinstance(node, ast.Call | ast.Subscript) and (by_name := named_by_string(node)):
        return by_name  # (a call by name: ``globals()["f"]()``)
    if isinstance(node, ast.Call):
        return _name(node.func)  # @decorator(...) and f()()
    return ""


def _called(name: str, owner: str | None, nodes: Nodes) -> list[str]:
    """The keys a call of ``name`` runs: a function, a method of the owner's class,
    or a class's constructors."""
    if name.startswith(("self.", "cls.")):
        cls = owner.split(".", 1)[0] if owner and "." in owner else ""
        return [f"{cls}.{name.split('.', 1)[1]}"] if cls else []
    if name in nodes.classes:
        wanted = [*_CONSTRUCTORS, "run", "start"] if name in nodes.thread_classes else _CONSTRUCTORS
        return [f"{name}.{m}" for m in wanted]
    return [name]


def _passed(name: str, nodes: Nodes) -> list[str]:
    """A function or class handed to other code, which may call any of it."""
    return nodes.classes.get(name, [name])


def _references(node: ast.expr) -> Iterator[str]:
    """The bare names an argument hands on, also inside a literal dict, list or tuple."""
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _references(value)
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        for item in node.elts:
            yield from _references(item)
