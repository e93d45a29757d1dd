"""The document algebra of `ibc fmt` (a Wadler/prettier-style pretty printer).

A document is a str, a list (concatenation), a `Group`, or a tuple:
`("indent", doc)` (its lines indented one more level), `("line", flat, blank, hard)` (a line
break; `flat` is printed instead in a flat group; `blank` adds an empty line; `hard` always
breaks), `("if", broken, flat)` (one of two documents, by the enclosing group's mode),
`("suffix", text)` (text kept until the next line break: end-of-line comments) and `("bp",)`
(forces the enclosing groups to break). `render(doc, width)` prints a group on one line when it
fits and breaks it otherwise; `ibc.syntax.format` builds the documents from the AST.
"""

from __future__ import annotations

WIDTH = 100  # columns
INDENT = 4


# A document is a str, a list (concatenation), a Group, or a tuple:
#   ("indent", doc)                 its lines indented one more level
#   ("line", flat, blank, hard)     a line break; `flat` is printed instead in a flat group;
#                                   `blank` adds an empty line; `hard` always breaks
#   ("if", broken, flat)            one of two documents, by the enclosing group's mode
#   ("suffix", text)                text kept until the next line break (end-of-line comments)
#   ("bp",)                         forces the enclosing groups to break


class Group:
    __slots__ = ("broken", "doc")

    def __init__(self, doc: object, broken: bool = False) -> None:
        self.doc = doc
        self.broken = broken


LINE = ("line", " ", False, False)
LINE_BLANK = ("line", " ", True, False)
SOFT = ("line", "", False, False)
HARD = ("line", "", False, True)
HARD_BLANK = ("line", "", True, True)
BP = ("bp",)


def _propagate(doc: object) -> bool:
    """Mark every group holding a hard break (or a comment) as broken; whether `doc` holds one."""
    kind = type(doc)
    if kind is str:
        return False
    if kind is list:
        found = False
        for item in doc:
            if _propagate(item):
                found = True
        return found
    if kind is Group:
        if _propagate(doc.doc):
            doc.broken = True
        return doc.broken
    tag = doc[0]
    if tag == "line":
        return doc[3]
    if tag == "indent":
        return _propagate(doc[1])
    if tag == "if":
        return _propagate(doc[1]) | _propagate(doc[2])
    return True  # "suffix" and "bp"


def _fits(doc: object, rest: list, room: int) -> bool:
    """Whether `doc`, printed flat, and what follows it up to the next line break fit."""
    todo = [(False, doc)]
    index = len(rest)
    while room >= 0:
        if not todo:
            index -= 1
            if index < 0:
                return True
            _, broken, following = rest[index]
            todo.append((broken, following))
            continue
        broken, doc = todo.pop()
        kind = type(doc)
        if kind is str:
            room -= len(doc)
        elif kind is list:
            todo.extend((broken, item) for item in reversed(doc))
        elif kind is Group:
            todo.append((broken or doc.broken, doc.doc))
        else:
            tag = doc[0]
            if tag == "line":
                if broken or doc[3]:
                    return True
                room -= len(doc[1])
            elif tag == "indent":
                todo.append((broken, doc[1]))
            elif tag == "if":
                todo.append((broken, doc[1] if broken else doc[2]))
    return False


def render(doc: object, width: int = WIDTH) -> str:
    """Print a document: each group flat if it fits in `width` columns, else broken."""
    _propagate(doc)
    out: list[str] = []
    suffixes: list[str] = []
    pos = 0
    stack: list = [(0, True, doc)]
    while stack:
        ind, broken, doc = stack.pop()
        kind = type(doc)
        if kind is str:
            out.append(doc)
            pos += len(doc)
        elif kind is list:
            stack.extend((ind, broken, item) for item in reversed(doc))
        elif kind is Group:
            if doc.broken or not _fits(doc.doc, stack, width - pos):
                stack.append((ind, True, doc.doc))
            else:
                pos += _flat(doc.doc, out, suffixes)
        else:
            tag = doc[0]
            if tag == "line":
                if not broken and not doc[3]:
                    out.append(doc[1])
                    pos += len(doc[1])
                    continue
                if suffixes:
                    out.extend(suffixes)
                    suffixes.clear()
                _trim(out)
                out.append(("\n\n" if doc[2] else "\n") + " " * ind)
                pos = ind
            elif tag == "indent":
                stack.append((ind + INDENT, broken, doc[1]))
            elif tag == "if":
                stack.append((ind, broken, doc[1] if broken else doc[2]))
            elif tag == "suffix":
                suffixes.append(doc[1])
    out.extend(suffixes)
    _trim(out)
    return "".join(out)


def _flat(doc: object, out: list[str], suffixes: list[str]) -> int:
    """Print a document that fits on the current line; its width."""
    todo = [doc]
    width = 0
    while todo:
        doc = todo.pop()
        kind = type(doc)
        if kind is str:
            out.append(doc)
            width += len(doc)
        elif kind is list:
            todo.extend(reversed(doc))
        elif kind is Group:
            todo.append(doc.doc)
        else:
            tag = doc[0]
            if tag == "line":
                out.append(doc[1])
                width += len(doc[1])
            elif tag == "indent":
                todo.append(doc[1])
            elif tag == "if":
                todo.append(doc[2])
            elif tag == "suffix":
                suffixes.append(doc[1])
    return width


def _trim(out: list[str]) -> None:
    """Drop the spaces that end the text printed so far (before a line break)."""
    while out and out[-1].endswith(" "):
        last = out.pop().rstrip(" ")
        if last:
            out.append(last)
            return
