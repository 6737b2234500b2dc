"""Reading YAML that a user wrote, without trusting it: stack files, Pulumi.yaml, blueprints and override values.

``yaml.safe_load`` is safe against code execution but not against mistakes or hostile files: it keeps the last of
two duplicate keys, builds recursive structures from aliases, lets a few hundred bytes of aliases stand for
billions of values once something walks them (the "billion laughs"), recurses once per level of nesting until
Python's stack runs out, and turns ``2024-01-01`` into a date. :func:`loads` and :func:`load_file` refuse all
that with a :class:`YamlError` that says where (line, and the path of keys as written) and what is allowed.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_FILE_BYTES = 128 * 1024
"""A stack file or blueprint is a few kilobytes (Pulumi.yaml, the largest, about ten); the pure-Python parser
takes seconds for a few hundred."""
MAX_DEPTH = 32
"""Levels of nesting; a blueprint uses about six."""
MAX_VALUES = 100_000
"""Values (scalars, lists and mappings) the document stands for once every alias is expanded."""
QUOTE_LIMIT = 60

_CORE = "tag:yaml.org,2002:"
# Tags a file may carry, written (!!str "16") or implied: the JSON-like core. Anything else (!!binary, !!set,
# !!timestamp, !!python/..., a local !tag) is refused rather than turned into an object the model never expects.
ALLOWED_TAGS = frozenset(_CORE + name for name in ("str", "int", "float", "bool", "null", "seq", "map", "merge"))


def shorten(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr`` of ``value`` cut to ``limit`` characters, with a string's full length noted: a huge value is
    quoted, never echoed in full."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f" ({len(value):,} characters)" if isinstance(value, str) else ""
    return f"{text[:limit]}…{size}"


def clip(text: str, limit: int = 2 * QUOTE_LIMIT) -> str:
    """Plain text (a parser's complaint) on one line, at most about ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else f"{text[:limit]}…"


@dataclass
class YamlError(Exception):
    """Why a YAML text was refused: ``path`` is the keys (and list positions) leading to it, as written."""

    message: str
    path: tuple[str | int, ...] = ()
    line: int | None = None

    def __str__(self) -> str:
        return self.message

    def where(self) -> str:
        """The path as a user would write it: config.finplatform:owner, services[0].image."""
        return render_path(self.path)


def render_path(path: tuple[str | int, ...]) -> str:
    """Keys joined with dots and list positions in brackets; a very deep path keeps its ends."""
    parts: list[str | int] = list(path) if len(path) <= 8 else [*path[:4], "…", *path[-3:]]
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            key = part if len(part) <= QUOTE_LIMIT else shorten(part)
            text += f".{key}" if text else key
    return text


def _line(node: Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None and node.start_mark is not None else None


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that bounds nesting while composing (the composer recurses once per level), knows the path of
    keys to the node being composed, and, for override values, refuses any tag written out."""

    refuse_all_tags = False

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._path: list[str | int] = []
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        step = index.value if isinstance(index, ScalarNode) else index if isinstance(index, int) else None
        if step is not None:
            self._path.append(step)
        self._depth += 1  # counts complex keys (? [..]) too, which have no step
        try:
            event = self.peek_event()  # type: ignore[no-untyped-call]
            if self._depth > MAX_DEPTH:
                raise YamlError(
                    f"nested more than {MAX_DEPTH} levels deep", tuple(self._path), event.start_mark.line + 1
                )
            tag = getattr(event, "tag", None)
            if self.refuse_all_tags and tag not in (None, "!") and not isinstance(event, yaml.AliasEvent):
                written = str(tag).replace(_CORE, "!!")
                raise YamlError(f"the YAML tag {shorten(written)} is not allowed here; write a plain value")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if step is not None:
                self._path.pop()


# Dates stay text (no field is a date, and the Pulumi CLI reads them as strings), and so does a lone "=".
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_CORE + "timestamp", _CORE + "value")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _TaglessLoader(_StrictLoader):
    refuse_all_tags = True


def _children(node: Node) -> Iterator[tuple[str | int, Node, Node]]:
    """Each child with its path step and the node whose line to report: a mapping value is reported at its key
    (an alias's own node is the anchored one, elsewhere in the file)."""
    if isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield index, item, item
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            step = key.value if isinstance(key, ScalarNode) else "?"
            yield step, key, key
            yield step, value, key


def _check_graph(root: Node) -> None:
    """Refuse duplicate keys, recursive aliases, tags outside the core and documents whose aliases expand to more
    than MAX_VALUES values. Linear in the size of the node graph: each shared node's size is counted once."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()

    def visit(node: Node, path: tuple[str | int, ...], at: Node) -> int:
        identity = id(node)
        if identity in on_path:
            raise YamlError("an alias refers to the value that contains it (a recursive alias)", path, _line(at))
        if identity in sizes:
            return sizes[identity]
        if node.tag not in ALLOWED_TAGS:
            tag = node.tag.replace(_CORE, "!!")
            raise YamlError(
                f"the YAML tag {shorten(tag)} is not allowed; allowed: plain text, numbers, true/false, lists and "
                "mappings",
                path,
                _line(node),
            )
        on_path.add(identity)
        total = 1
        if isinstance(node, MappingNode):
            seen: dict[tuple[str, str], int | None] = {}
            for key, _value in node.value:
                if isinstance(key, ScalarNode):
                    if key.tag == _CORE + "merge":
                        continue
                    marker = (key.tag, key.value)
                    if marker in seen:
                        raise YamlError(
                            f"duplicate key {shorten(key.value)} (first at line {seen[marker]}); YAML forbids "
                            "duplicate keys: keep one",
                            (*path, key.value),
                            _line(key),
                        )
                    seen[marker] = _line(key)
        for part, child, where in _children(node):
            total += visit(child, (*path, part), where)
            if total > MAX_VALUES:
                raise YamlError(
                    f"it stands for more than {MAX_VALUES:,} values once its aliases are expanded; allowed: at "
                    f"most {MAX_VALUES:,}",
                    path,
                    _line(node),
                )
        on_path.discard(identity)
        sizes[identity] = total
        return total

    visit(root, (), root)


def loads(text: str, *, tags: bool = True) -> Any:
    """Parse one YAML document strictly; ``tags=False`` refuses even the core tags (override values)."""
    loader = (_StrictLoader if tags else _TaglessLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_graph(node)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = ", ".join(str(part) for part in (exc.context, exc.problem) if part) or "syntax error"
        raise YamlError(f"not valid YAML: {clip(problem)}", line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"not valid YAML: {clip(str(exc))}") from None
    finally:
        loader.dispose()


def load_file(path: Path) -> Any:
    """Read and parse ``path``: at most MAX_FILE_BYTES, UTF-8, one strict YAML document."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise YamlError(f"the file is {size:,} bytes; at most {MAX_FILE_BYTES:,} are read")
        data = path.read_bytes()
    except OSError as exc:
        raise YamlError(f"cannot be read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlError(f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8", line=line) from None
    return loads(text)


def load_mapping(path: Path) -> dict[str, Any]:
    """:func:`load_file` for a document that must be a mapping (stack files, Pulumi.yaml, blueprints)."""
    document = load_file(path)
    if not isinstance(document, dict):
        kind = "empty" if document is None else f"a {describe(document)}"
        raise YamlError(f"the document is {kind}; it must be a mapping of key: value")
    return document


def describe(value: object) -> str:
    """What a YAML value is, in the words of the messages."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return "string"
