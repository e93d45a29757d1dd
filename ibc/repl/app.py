"""The terminal front end of `ibc repl`, on prompt_toolkit.

A `PromptSession` with: multi-line input (Enter adds a line while `entry.needs_more` says
the entry is unfinished, indenting the body of a `def`; an empty line ends the block),
persistent history in `session.history_path()`, completion of commands, keywords, the
session's names and parameter paths (`Session.completions`, read after every entry), and
highlighting with the Pygments lexer `ibc.syntax.pygments_lexer.IterbuildLexer` when it can be
imported (none otherwise). Everything else is the session model's (`ibc.repl.session`).
"""

from __future__ import annotations

import re

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import Completer, Completion
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings

from ibc.repl.entry import in_block, needs_more
from ibc.repl.session import Session, history_path

PROMPT, MORE = "ib> ", "... "
BANNER = "ibc repl: declarations, expressions, :help; :quit or Ctrl-D to leave"
_WORD = re.compile(r"[:A-Za-z0-9_.\[\]=,]*$")  # a name, a command or a parameter path


class SessionCompleter(Completer):
    """Completes the word before the cursor from `Session.completions()`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get_completions(self, document, complete_event):
        before = document.text_before_cursor
        word = _WORD.search(before).group(0)
        if not word:
            return
        at_start = not before[: len(before) - len(word)].strip()
        for candidate in self.session.completions():
            if candidate.startswith(":") and not at_start:
                continue
            if candidate.startswith(word) and candidate != word:
                yield Completion(candidate, start_position=-len(word))


def indent_for(text: str) -> str:
    """The indentation of the next line of an unfinished entry: a `def` body's, else none
    (brackets join lines without it)."""
    if not in_block(text):
        return ""
    last = text.split("\n")[-1]
    if last.strip() and last[:1] in (" ", "\t"):
        return last[: len(last) - len(last.lstrip())]
    return "    "


def _bindings() -> KeyBindings:
    keys = KeyBindings()

    @keys.add("enter")
    def _enter(event) -> None:
        buffer = event.current_buffer
        text = buffer.document.text
        if buffer.document.is_cursor_at_the_end and needs_more(text):
            buffer.insert_text("\n" + indent_for(text))
        else:
            buffer.validate_and_handle()

    return keys


def _lexer():
    """The Pygments lexer of `.ib` text, or None while `ibc.syntax.pygments_lexer` is missing."""
    try:
        from prompt_toolkit.lexers import PygmentsLexer

        from ibc.syntax.pygments_lexer import IterbuildLexer
    except ImportError:
        return None
    return PygmentsLexer(IterbuildLexer)


def _history():
    path = history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
    except OSError:
        return InMemoryHistory()
    return FileHistory(str(path))


def run_app(session: Session) -> int:
    """Read, handle and print until `:quit` or end of input; returns 0."""
    prompt = PromptSession(
        history=_history(),
        completer=SessionCompleter(session),
        complete_while_typing=False,
        lexer=_lexer(),
        multiline=True,
        key_bindings=_bindings(),
        prompt_continuation=lambda width, line, wrap: MORE.rjust(width),
    )
    print(BANNER)
    while True:
        try:
            text = prompt.prompt(PROMPT)
        except KeyboardInterrupt:
            continue
        except EOFError:
            return 0
        try:
            if not session.handle(text):
                return 0
        except KeyboardInterrupt:
            print("interrupted")
        session.out.flush()
        session.err.flush()
