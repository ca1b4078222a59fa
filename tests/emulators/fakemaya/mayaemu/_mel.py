"""A tiny MEL interpreter: just enough MEL for the emulator.

Supported: statements separated by ``;`` and newlines; ``//`` and ``/* */``
comments; string literals with MEL escapes; numbers; ``+ - * /`` and
parentheses in expressions; procedures called with command syntax
(``about -v;``, ``print "x";``) or function syntax (``python("1+2")``).

Procedures: python, print, about, getpid, file, commandPort, currentUnit,
warning, error, and user procedures without parameters defined in a block
(``global proc name() { statements }``, spanning lines; no ``return``).
Anything else: ``Cannot find procedure "foo".``
Variables, other blocks and procedure parameters are not supported (syntax error).

Values: int, float, str, or a list (MEL arrays). ``to_text`` gives the form a
commandPort reply uses (arrays tab-separated).
"""

import os
import re
import sys

from . import _core


class MelError(Exception):
    """A MEL error. ``located`` errors are shown as ``Line L.C: message``."""

    def __init__(self, message, line=None, col=None, located=True, emitted=False):
        super().__init__(message)
        self.message = message
        self.line, self.col = line, col
        self.located = located
        self.emitted = emitted       # already sent to the output callbacks

    def text(self):
        if self.located and self.line is not None:
            return "Line %d.%d: %s" % (self.line, self.col, self.message)
        return self.message

    def display(self):
        """How Maya's Script Editor (and a MEL commandPort reply) shows it."""
        return "// Error: %s //" % self.text()

    def __str__(self):
        return self.text()


# --------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>[ \t\r\f\v]+)
  | (?P<nl>\n)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<badstring>")
  | (?P<number>(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+|\d+)
  | (?P<flag>-[A-Za-z_][A-Za-z0-9_]*)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<var>\$[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>[();,+\-*/{}])
  | (?P<other>.)
""", re.X | re.S)

_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}


def unescape(body):
    """MEL string escapes: \\" \\\\ \\n \\t \\r; other escapes are kept as written."""
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class Tok:
    __slots__ = ("kind", "text", "value", "line", "col", "end")

    def __init__(self, kind, text, value, line, col):
        self.kind, self.text, self.value = kind, text, value
        self.line, self.col = line, col          # 1-based start
        self.end = col + len(text) - 1          # 1-based last character

    def __repr__(self):
        return "Tok(%s %r @%d.%d)" % (self.kind, self.text, self.line, self.col)


def tokenize(code):
    toks, line, line_start, pos = [], 1, 0, 0
    while pos < len(code):
        m = _TOKEN.match(code, pos)
        kind, text = m.lastgroup, m.group()
        col = pos - line_start + 1
        if kind == "badstring":
            raise MelError("Unterminated string.", line, len(code[line_start:].split("\n")[0]))
        if kind == "other":
            raise MelError("Syntax error", line, col)
        if kind == "string":
            toks.append(Tok("string", text, unescape(text[1:-1]), line, col))
        elif kind == "number":
            value = float(text) if any(c in text for c in ".eE") else int(text)
            toks.append(Tok("number", text, value, line, col))
        elif kind in ("flag", "name", "var", "op"):
            toks.append(Tok(kind, text, text, line, col))
        elif kind == "nl":
            toks.append(Tok("end", "\n", None, line, col))
        # block comments may span lines
        newlines = text.count("\n")
        if newlines:
            line += newlines
            line_start = pos + text.rfind("\n") + 1
        pos = m.end()
    return toks


def split_statements(toks):
    """Split on ``;`` and newlines outside parentheses."""
    statements, current, depth = [], [], 0
    for tok in toks:
        if tok.kind == "op" and tok.text == "(":
            depth += 1
        elif tok.kind == "op" and tok.text == ")":
            depth -= 1
        if (tok.kind == "end" or (tok.kind == "op" and tok.text == ";")) and depth <= 0:
            if current:
                statements.append(current)
            current, depth = [], 0
            continue
        if tok.kind == "end":          # newline inside parentheses
            continue
        current.append(tok)
    if current:
        statements.append(current)
    return statements


# --------------------------------------------------------------------------
# Parser: statements become small trees, evaluated later
# --------------------------------------------------------------------------

class _Parser:
    def __init__(self, toks):
        self.toks, self.i = toks, 0

    def peek(self, offset=0):
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def next(self):
        tok = self.peek()
        if tok is None:
            last = self.toks[-1]
            raise MelError("Syntax error", last.line, last.end)
        self.i += 1
        return tok

    def error(self, tok):
        raise MelError("Syntax error", tok.line, tok.col)

    def is_op(self, text, offset=0):
        tok = self.peek(offset)
        return tok is not None and tok.kind == "op" and tok.text == text

    # statement := name arg*  (command syntax)  |  expr
    def statement(self):
        first = self.peek()
        if first.kind == "name" and not self.is_op("(", 1):
            self.next()
            args = []
            while self.peek() is not None:
                args.append(self.command_arg())
            node = ("call", first.text, args, True, first)
        else:
            node = self.expr()
        if self.peek() is not None:
            self.error(self.peek())
        return node

    def command_arg(self):
        tok = self.peek()
        if tok.kind == "flag":
            self.next()
            return ("flag", tok.text[1:], tok)
        if tok.kind == "name":              # bare words are strings in command syntax
            self.next()
            return ("const", tok.text)
        if self.is_op("-") and self.peek(1) is not None and self.peek(1).kind == "number":
            self.next()
            return ("const", -self.next().value)
        if tok.kind in ("string", "number") or self.is_op("("):
            return self.primary()
        self.error(tok)

    def binary(self, operand, ops):
        """Left-associative `operand (op operand)*` for the operators in `ops`."""
        node = operand()
        while any(self.is_op(o) for o in ops):
            op = self.next()
            node = ("binop", op.text, node, operand(), op)
        return node

    def expr(self):
        return self.binary(self.term, ("+", "-"))

    def term(self):
        return self.binary(self.unary, ("*", "/"))

    def unary(self):
        if self.is_op("-"):
            op = self.next()
            return ("neg", self.unary(), op)
        return self.primary()

    def primary(self):
        tok = self.next()
        if tok.kind in ("string", "number"):
            return ("const", tok.value)
        if tok.kind == "op" and tok.text == "(":
            node = self.expr()
            if not self.is_op(")"):
                self.error(self.peek() or tok)
            self.next()
            return node
        if tok.kind == "name" and self.is_op("("):
            self.next()
            args = []
            if not self.is_op(")"):
                args.append(self.expr())
                while self.is_op(","):
                    self.next()
                    args.append(self.expr())
            if not self.is_op(")"):
                self.error(self.peek() or tok)
            self.next()
            return ("call", tok.text, args, False, tok)
        self.error(tok)


def _statements(toks):
    program = []
    for stmt in split_statements(toks):
        tree = _Parser(stmt).statement()
        program.append((tree, stmt[0].line, stmt[-1].end))
    return program


def _is_name(tok, text=None):
    return tok is not None and tok.kind == "name" and (text is None or tok.text == text)


def _proc_definition(toks, i):
    """``[global] proc [type] name() { ... }`` starting at toks[i]: returns
    (name, body tokens, index after the closing brace), or None."""
    at = lambda j: toks[j] if j < len(toks) else None  # noqa: E731
    j = i + 1 if _is_name(at(i), "global") else i
    if not _is_name(at(j), "proc"):
        return None
    j += 1
    if _is_name(at(j)) and _is_name(at(j + 1)):
        j += 1                      # a return type
    name = at(j)
    if not _is_name(name):
        raise MelError("Syntax error", toks[i].line, toks[i].col)
    j += 1
    for text in "()":
        tok = at(j)
        if tok is None or tok.kind != "op" or tok.text != text:
            raise MelError("Syntax error", (tok or name).line, (tok or name).col)
        j += 1
    while at(j) is not None and at(j).kind == "end":
        j += 1                      # the brace may open on the next line
    if at(j) is None or at(j).kind != "op" or at(j).text != "{":
        last = at(j) or toks[-1]
        raise MelError("Syntax error", last.line, last.end)
    j += 1
    body = []
    while True:
        tok = at(j)
        if tok is None:             # e.g. a MEL port's line-by-line split
            last = toks[-1]
            raise MelError("Syntax error", last.line, last.end)
        if tok.kind == "op" and tok.text == "{":
            raise MelError("Syntax error", tok.line, tok.col)   # nested blocks
        if tok.kind == "op" and tok.text == "}":
            return name, body, j + 1
        body.append(tok)
        j += 1


def parse(code):
    """Parse a MEL block into [(tree, line, col)]; syntax errors raise MelError.

    Like MEL, the whole block is parsed before any of it runs. A procedure
    definition becomes a ``defproc`` statement holding its parsed body.
    """
    toks, program, run, i = tokenize(code), [], [], 0
    while i < len(toks):
        definition = _proc_definition(toks, i)
        if definition is None:
            run.append(toks[i])
            i += 1
            continue
        program.extend(_statements(run))
        run = []
        name, body, after = definition
        program.append((("defproc", name.text, _statements(body), name), name.line, name.end))
        i = after
    program.extend(_statements(run))
    return program


# --------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------

PROCS = {}
USER_PROCS = {}     # name -> parsed body; like Maya's global procs, they persist


def proc(name, flags=None):
    """Register a procedure. ``flags`` maps flag name -> number of values."""
    def register(fn):
        PROCS[name] = (fn, flags or {})
        return fn
    return register


def _evaluate(node):
    kind = node[0]
    if kind == "const":
        return node[1]
    if kind == "neg":
        value = _evaluate(node[1])
        if isinstance(value, (int, float)):
            return -value
        raise MelError("Invalid operand for unary minus.", node[2].line, node[2].col)
    if kind == "binop":
        _, op, left, right, tok = node
        a, b = _evaluate(left), _evaluate(right)
        if op == "+" and (isinstance(a, str) or isinstance(b, str)):
            return to_text(a) + to_text(b)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            if b == 0:
                raise MelError("Division by zero.", tok.line, tok.col)
            return a // b if isinstance(a, int) and isinstance(b, int) else a / b
        raise MelError("Invalid operands for '%s'." % op, tok.line, tok.col)
    if kind == "defproc":
        USER_PROCS[node[1]] = node[2]
        return None
    if kind == "call":
        _, name, arg_nodes, command_syntax, tok = node
        if name not in PROCS and name in USER_PROCS:
            if arg_nodes:
                raise MelError("Wrong number of arguments on call to %s." % name, tok.line, tok.col)
            _run(USER_PROCS[name])
            return None
        if name not in PROCS:
            raise MelError('Cannot find procedure "%s".' % name)
        fn, flag_arity = PROCS[name]
        args, flags, i = [], {}, 0
        while i < len(arg_nodes):
            arg = arg_nodes[i]
            i += 1
            if arg[0] == "flag" and command_syntax:
                flag = arg[1]
                if flag not in flag_arity:
                    raise MelError("Invalid flag '-%s'." % flag)
                values = []
                for _ in range(flag_arity[flag]):
                    if i >= len(arg_nodes) or arg_nodes[i][0] == "flag":
                        break           # query mode: a valued flag given alone
                    values.append(_evaluate(arg_nodes[i]))
                    i += 1
                flags[flag] = values[0] if len(values) == 1 else (values or True)
            else:
                args.append(_evaluate(arg))
        try:
            return fn(args, flags)
        except (MelError, _core.EmulatorShutdown):
            raise
        except Exception as exc:        # a failing command is a MEL error
            raise MelError(_core.safe_str(exc)) from None
    raise MelError("Syntax error")


def _run(program):
    result = None
    for tree, line, col in program:
        try:
            result = _evaluate(tree)
        except MelError as exc:
            if exc.line is None:
                exc.line, exc.col = line, col
            raise
    return result


def eval_block(code):
    """Run a MEL block; return the value of its last statement (None if empty)."""
    return _run(parse(code))


# --------------------------------------------------------------------------
# Value conversions
# --------------------------------------------------------------------------

def _number_text(value):
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def to_text(value):
    """MEL value -> commandPort reply text (arrays tab-separated, nothing -> "")."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "\t".join(to_text(v) for v in value)
    if isinstance(value, (int, float)):
        return _number_text(value)
    return str(value)


def from_python(value):
    """Python value returned by python("...") -> MEL value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        items = list(value)
        if items and all(isinstance(v, int) and not isinstance(v, bool) for v in items):
            return items
        if items and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in items):
            return [float(v) for v in items]
        return [_core.safe_str(v) for v in items]
    return _core.safe_str(value)


def _one_arg(name, args):
    if len(args) != 1:
        raise MelError("Wrong number of arguments on call to %s." % name)
    return args[0]


# --------------------------------------------------------------------------
# Procedures
# --------------------------------------------------------------------------

@proc("python")
def _python(args, flags):
    code = to_text(_one_arg("python", args))
    try:
        value = _core.run_python_in_main(code)
    except _core.EmulatorShutdown:
        raise
    except BaseException as exc:
        raise MelError("%s: %s" % (type(exc).__name__, _core.safe_str(exc))) from None
    return from_python(value)


@proc("print")
def _print(args, flags):
    value = _one_arg("print", args)
    if isinstance(value, list):                 # MEL prints one array item per line
        text = "".join(to_text(v) + "\n" for v in value)
    else:
        text = to_text(value)
    sys.stdout.write(text)      # MEL print adds no newline
    return None


_ABOUT = {"v": 0, "version": 0, "api": 0, "apiVersion": 0, "os": 0,
          "operatingSystem": 0, "p": 0, "product": 0, "b": 0, "batch": 0,
          "linux": 0, "win": 0, "windows": 0, "mac": 0, "macOS": 0}


@proc("about", _ABOUT)
def _about(args, flags):
    from maya import cmds
    if not flags:
        raise MelError("about: No flag was specified.")
    kwargs = {flag: True for flag in flags}
    return from_python(cmds.about(**kwargs))


@proc("getpid")
def _getpid(args, flags):
    if args:
        raise MelError("Wrong number of arguments on call to getpid.")
    return os.getpid()


_FILE = {"q": 0, "query": 0, "sn": 0, "sceneName": 0, "rename": 1, "rn": 1,
         "new": 0, "f": 0, "force": 0, "modified": 0, "mf": 0}


@proc("file", _FILE)
def _file(args, flags):
    from maya import cmds
    try:
        return from_python(cmds.file(*args, **flags))
    except (RuntimeError, TypeError, ValueError) as exc:
        raise MelError(str(exc)) from None


_COMMANDPORT = {"n": 1, "name": 1, "stp": 1, "sourceType": 1, "q": 0, "query": 0,
                "cl": 0, "close": 0, "lp": 0, "listPorts": 0, "bs": 1, "bufferSize": 1,
                "sw": 0, "securityWarning": 0, "eo": 0, "echoOutput": 0, "nr": 0,
                "noreturn": 0, "rnc": 0, "returnNumCommands": 0, "pre": 1, "prefix": 1}


@proc("commandPort", _COMMANDPORT)
def _command_port(args, flags):
    from maya import cmds
    if args:
        flags.setdefault("name", args[0])
    try:
        return from_python(cmds.commandPort(**flags))
    except (RuntimeError, TypeError) as exc:
        raise MelError(str(exc)) from None


_CURRENT_UNIT = {"q": 0, "query": 0, "f": 0, "fullName": 0, "l": 1, "linear": 1, "a": 1, "angle": 1,
                 "t": 1, "time": 1}


@proc("currentUnit", _CURRENT_UNIT)
def _current_unit(args, flags):
    from maya import cmds
    try:
        return from_python(cmds.currentUnit(**flags))
    except (RuntimeError, TypeError) as exc:
        raise MelError(str(exc)) from None


@proc("warning")
def _warning(args, flags):
    _core.emit("Warning: %s\n" % to_text(_one_arg("warning", args)), _core.kWarning)
    return None


@proc("error")
def _error(args, flags):
    message = to_text(_one_arg("error", args))
    _core.emit("Error: %s\n" % message, _core.kError)
    raise MelError(message, located=False, emitted=True)
