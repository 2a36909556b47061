"""The package's modules import one way: no cycles, no imports hidden inside functions.

A function-level import is allowed only for an optional dependency or, in the
command line (``word2vec_fast/cli/``), to keep the command's start-up fast.
"""
import ast
import pathlib

import word2vec_fast

PKG = pathlib.Path(word2vec_fast.__file__).parent
# Imports a function may make: optional extras, what only some commands need, and
# tqdm.auto (~0.1 s to import), loaded only when a progress bar is shown.
OPTIONAL = {"gensim", "matplotlib", "dask", "distributed", "fsspec", "pydoc_data", "tqdm",
            "scipy"}


def _modules():
    for path in sorted(PKG.rglob("*.py")) + sorted(PKG.rglob("*.pyx")):
        rel = path.relative_to(PKG).with_suffix("")
        parts = ["word2vec_fast", *rel.parts]
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def _target(node, module, is_pkg):
    """The package-internal modules an import node names (absolute names)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.startswith("word2vec_fast")]
    if node.level == 0:
        base = node.module or ""
        if not base.startswith("word2vec_fast"):
            return []
    else:
        pkg = module.split(".") if is_pkg else module.split(".")[:-1]
        pkg = pkg[:len(pkg) - (node.level - 1)]
        base = ".".join(pkg + ([node.module] if node.module else []))
    # "from . import x" imports submodule x; "from .m import name" imports m
    known = {m for m, _ in _modules()}
    out = []
    for a in node.names:
        sub = f"{base}.{a.name}"
        out.append(sub if sub in known else base)
    return out


def _source(path):
    text = path.read_text()
    if path.suffix == ".pyx":
        # keep the Python-level import lines of a Cython module
        text = "\n".join(line for line in text.splitlines()
                         if line.startswith(("import ", "from ")) and " cimport " not in line)
    return ast.parse(text)


def _imports():
    graph, inner = {}, []
    for module, path in _modules():
        tree = _source(path)
        is_pkg = path.name == "__init__.py"
        deps = set()
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            top = node in tree.body or any(
                node in getattr(b, "body", []) + getattr(b, "orelse", []) +
                sum((h.body for h in getattr(b, "handlers", [])), [])
                for b in tree.body if isinstance(b, (ast.If, ast.Try)))
            if top:
                deps.update(t for t in _target(node, module, is_pkg) if t != module)
            else:
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or "."]
                if getattr(node, "level", 0) == 0 and \
                        all(n.split(".")[0] in OPTIONAL for n in names):
                    continue
                if module.startswith("word2vec_fast.cli"):
                    continue
                inner.append(f"{path.relative_to(PKG)}:{node.lineno}")
        graph[module] = deps
    return graph, inner


def test_no_import_inside_a_function():
    _, inner = _imports()
    assert inner == [], f"imports inside functions (move them to the top): {inner}"


def test_no_import_cycle():
    graph, _ = _imports()
    # __init__ re-exports everything; it imports but is imported by nobody inside
    state, stack, cycles = {}, [], []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            if d not in graph:
                continue
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d):] + [d])
            elif d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert cycles == [], f"import cycles: {cycles}"


def test_the_checker_sees_cycles_and_inner_imports(tmp_path, monkeypatch):
    """The two checks above can fail: a planted cycle and a planted inner import."""
    fake = tmp_path / "word2vec_fast"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "a.py").write_text("from .b import x\n")
    (fake / "b.py").write_text("from . import a\n\ndef f():\n    from .a import y\n")
    monkeypatch.setattr(__import__(__name__), "PKG", fake)
    graph, inner = _imports()
    assert graph["word2vec_fast.a"] == {"word2vec_fast.b"}
    assert graph["word2vec_fast.b"] == {"word2vec_fast.a"}
    assert inner == ["b.py:4"]
    try:
        test_no_import_cycle()
    except AssertionError as e:
        assert "word2vec_fast.a" in str(e)
    else:
        raise AssertionError("the cycle a -> b -> a was not found")
