//! Demo Maya's tiny Python: enough to make "Try the demo" feel real, nothing more.
//!
//! Supported: one statement per line (or `;`-separated), comments, `import` /
//! `from … import` (Maya modules bind; others bind a stub), `pass`, assignments
//! (`x = y = expr`, `x += expr`), expressions with ints, floats, strings (all
//! quote styles, raw, f-strings with `!r` and simple specs), lists, tuples,
//! `True/False/None`, `+ - * / // % **`, comparisons, `and/or/not/in/is`,
//! indexing and slicing, `%`-formatting, a few str methods, `list.append`, the
//! built-ins `print len str repr int float bool abs round min max sum list sorted`,
//! `maya.cmds` (see `cmds.rs`) and `maya.mel.eval`. Names persist between runs
//! like Maya's `__main__`. The value of a final expression line is the run's value.
//!
//! Not supported, reported as a `DemoLimitation` error before anything runs:
//! blocks (`def for if while class try with`…), comprehensions, lambdas, dicts,
//! and other Python the demo does not simulate. Like Python, the whole code is
//! parsed first: a syntax error or limitation anywhere means nothing runs.

use std::collections::HashMap;

use super::eval::Eval;
use super::lexer::{self, Tok};
use super::parser::{parse_statement, split_semicolons, Stmt};
use super::scene::Scene;
use super::value::{Value, LIMITATION};

/// What a run can touch: the scene, and Maya's output (Script Editor messages:
/// Maya message type and text).
pub struct Ctx<'a> {
    pub scene: &'a mut Scene,
    pub out: &'a mut dyn FnMut(u8, &str),
}

impl Ctx<'_> {
    pub fn emit(&mut self, maya_type: u8, text: &str) {
        (self.out)(maya_type, text)
    }
}

/// A run's exception, as the helper reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunError {
    pub kind: String,
    pub message: String,
    pub traceback: String,
    /// The line it happened on (1-based).
    pub line: usize,
}

/// Maya's `__main__`: names persist from one run to the next.
#[derive(Debug, Clone)]
pub struct Interpreter {
    globals: HashMap<String, Value>,
}

impl Default for Interpreter {
    fn default() -> Self {
        Self::new()
    }
}

impl Interpreter {
    pub fn new() -> Self {
        let mut globals = HashMap::new();
        globals.insert("__name__".to_string(), Value::Str("__main__".into()));
        // Maya's Script Editor sessions almost always have cmds imported: the demo does too.
        globals.insert("cmds".to_string(), Value::Module("maya.cmds".into()));
        Self { globals }
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.globals.get(name)
    }

    /// True when the code is one expression (what Python's `eval` accepts).
    pub fn is_expression(code: &str) -> bool {
        match lexer::tokenize(code).as_deref() {
            Ok([line]) if !line.indented && !line.toks.contains(&Tok::Op(";")) => {
                matches!(parse_statement(&line.toks), Ok(Stmt::Expr(_)))
            }
            _ => false,
        }
    }

    /// Runs code like the helper does (`file` names it in tracebacks). Returns the
    /// value of a final expression line, if it is not None.
    pub fn run(
        &mut self,
        code: &str,
        file: &str,
        ctx: &mut Ctx,
    ) -> Result<Option<Value>, RunError> {
        let source_line = |no: usize| {
            code.lines()
                .nth(no.saturating_sub(1))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let compile_error = |kind: &str, message: String, no: usize| {
            // As Python prints a syntax error: no frame ran, so no "Traceback" header.
            let traceback = format!(
                "  File \"{file}\", line {no}\n    {}\n{kind}: {message}\n",
                source_line(no)
            );
            RunError {
                kind: kind.to_string(),
                message,
                traceback,
                line: no,
            }
        };
        let lines = lexer::tokenize(code).map_err(|e| compile_error(e.kind, e.message, e.line))?;
        let mut program = Vec::new();
        for line in &lines {
            if line.indented {
                let (kind, message) = if program.is_empty() {
                    ("IndentationError", "unexpected indent".to_string())
                } else {
                    (
                        LIMITATION,
                        super::value::limitation_message("indented code (blocks)"),
                    )
                };
                return Err(compile_error(kind, message, line.no));
            }
            for stmt in split_semicolons(&line.toks) {
                let s = parse_statement(stmt)
                    .map_err(|e| compile_error(&e.kind, e.message, line.no))?;
                program.push((line.no, s));
            }
        }
        let mut value = None;
        let last = program.len().saturating_sub(1);
        for (k, (no, stmt)) in program.iter().enumerate() {
            let mut ev = Eval {
                globals: &mut self.globals,
                ctx: &mut *ctx,
            };
            match ev.exec(stmt) {
                Ok(v) => {
                    if k == last && matches!(stmt, Stmt::Expr(_)) {
                        value = Some(v).filter(|v| *v != Value::None);
                    }
                }
                Err(e) => {
                    let traceback = format!(
                        "Traceback (most recent call last):\n  File \"{file}\", line {no}, in <module>\n    {}\n{}: {}\n",
                        source_line(*no),
                        e.kind,
                        e.message
                    );
                    return Err(RunError {
                        kind: e.kind,
                        message: e.message,
                        traceback,
                        line: *no,
                    });
                }
            }
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Run {
        interp: Interpreter,
        scene: Scene,
        out: Vec<(u8, String)>,
    }

    impl Run {
        fn new() -> Self {
            Self {
                interp: Interpreter::new(),
                scene: Scene::demo(),
                out: Vec::new(),
            }
        }
        fn run(&mut self, code: &str) -> Result<Option<String>, RunError> {
            let out = &mut self.out;
            let mut sink = |t: u8, s: &str| out.push((t, s.to_string()));
            let mut ctx = Ctx {
                scene: &mut self.scene,
                out: &mut sink,
            };
            self.interp
                .run(code, "<mayalink>", &mut ctx)
                .map(|v| v.map(|v| v.repr()))
        }
        fn val(&mut self, code: &str) -> String {
            match self.run(code) {
                Ok(v) => v.unwrap_or_else(|| "None".into()),
                Err(e) => panic!("{code}: {}", e.traceback),
            }
        }
        fn err(&mut self, code: &str) -> RunError {
            self.run(code).expect_err(code)
        }
        fn printed(&self) -> String {
            self.out.iter().map(|(_, s)| s.as_str()).collect()
        }
    }

    #[test]
    fn arithmetic_and_precedence() {
        let mut r = Run::new();
        assert_eq!(r.val("1 + 2 * 3"), "7");
        assert_eq!(r.val("(1 + 2) * 3"), "9");
        assert_eq!(r.val("10 - 4 - 3"), "3");
        assert_eq!(r.val("7 / 2"), "3.5");
        assert_eq!(r.val("7 // 2, -7 // 2, -7 % 3"), "(3, -4, 2)");
        assert_eq!(r.val("-2 ** 2"), "-4");
        assert_eq!(r.val("2 ** -1"), "0.5");
        assert_eq!(r.val("2 ** 3 ** 2"), "512");
        assert_eq!(r.val("0.1 + 0.2"), "0.30000000000000004");
        assert_eq!(
            r.val("1 < 2 < 3, 1 == 1.0, not 0, 1 and 0 or 'x'"),
            "(True, True, True, 'x')"
        );
        assert_eq!(
            r.val(
                "round(2.5), round(3.14159, 2), abs(-3), max([3, 9, 1]), min(4, 2), sum([1, 2.5])"
            ),
            "(2, 3.14, 3, 9, 2, 3.5)"
        );
        let e = r.err("1 / 0");
        assert_eq!(
            (e.kind.as_str(), e.message.as_str()),
            ("ZeroDivisionError", "division by zero")
        );
        assert_eq!(r.err("2 ** 100").kind, LIMITATION);
    }

    #[test]
    fn strings_lists_and_formatting() {
        let mut r = Run::new();
        assert_eq!(r.val("'a' + \"b\" * 3"), "'abbb'");
        assert_eq!(
            r.val("len('héllo'), str(4.0), repr('x'), int('42'), float('1.5')"),
            "(5, '4.0', \"'x'\", 42, 1.5)"
        );
        assert_eq!(
            r.val("[1, 'two', [3.0]] + [None]"),
            "[1, 'two', [3.0], None]"
        );
    }

    #[test]
    fn strings_lists_and_formatting_2() {
        let mut r = Run::new();
        assert_eq!(
            r.val("x = [1, 2, 3]\nx.append(4)\nx[-1], x[1:3], 'abc'[1:], len(x)"),
            "(4, [2, 3], 'bc', 4)"
        );
        assert_eq!(
            r.val("n = 3\nf'{n} items, {n * 1.5:.2f} kg, {\"x\"!r}'"),
            "\"3 items, 4.50 kg, 'x'\""
        );
        assert_eq!(
            r.val("'%s has %d joints (%.1f%%)' % ('Hips', 22, 99.5)"),
            "'Hips has 22 joints (99.5%)'"
        );
        assert_eq!(
            r.val("', '.join(['a', 'b']).upper().split(', ')"),
            "['A', 'B']"
        );
        assert_eq!(
            r.val("'x' in 'xyz', 3 in [1, 2], 'Left' + 'Arm' == 'LeftArm'"),
            "(True, False, True)"
        );
        let e = r.err("'a' + 1");
        assert_eq!(e.kind, "TypeError");
        assert_eq!(e.message, "can only concatenate str (not \"int\") to str");
        assert_eq!(r.err("[1][5]").message, "list index out of range");
        assert_eq!(r.err("'x' * 1000000000").kind, "MemoryError");
    }

    #[test]
    fn print_emits_text_then_newline() {
        let mut r = Run::new();
        assert_eq!(
            r.run("print('héllo', 42)\nprint()\nprint('a', 'b', sep='-', end='!')")
                .unwrap(),
            None
        );
        let msgs: Vec<&str> = r.out.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(msgs, ["héllo 42", "\n", "\n", "a-b", "!"]);
        assert!(r.out.iter().all(|(t, _)| *t == 1));
    }

    #[test]
    fn names_persist_and_final_expression_is_the_value() {
        let mut r = Run::new();
        assert_eq!(r.run("x = 40").unwrap(), None);
        assert_eq!(r.run("x += 2\nx").unwrap().as_deref(), Some("42"));
        assert_eq!(
            r.run("y = z = 'a'; y + z").unwrap().as_deref(),
            Some("'aa'")
        );
        assert_eq!(r.run("print(x)").unwrap(), None);
        assert_eq!(r.printed(), "42\n");
    }

    #[test]
    fn name_error_has_a_python_traceback() {
        let mut r = Run::new();
        let e = r.err("a = 1\n\nprint(foo)");
        assert_eq!(e.kind, "NameError");
        assert_eq!(e.message, "name 'foo' is not defined");
        assert_eq!(
            e.traceback,
            "Traceback (most recent call last):\n  File \"<mayalink>\", line 3, in <module>\n    print(foo)\nNameError: name 'foo' is not defined\n"
        );
        assert_eq!(
            r.interp.get("a"),
            Some(&Value::Int(1)),
            "lines before the error ran"
        );
    }

    #[test]
    fn unsupported_syntax_is_a_demo_limitation_and_nothing_runs() {
        let mut r = Run::new();
        for code in [
            "print('before')\nfor i in range(3):\n    print(i)",
            "def f():\n    pass",
            "if x:\n  y = 1",
            "class A: pass",
            "while True: pass",
            "x = [i for i in [1]]",
            "d = {'a': 1}",
            "f = lambda: 1",
            "y = 1 if True else 2",
            "try:\n  pass\nexcept: pass",
            "with open('x') as f: pass",
        ] {
            let e = r.err(code);
            assert_eq!(e.kind, LIMITATION, "{code}: {e:?}");
            assert!(
                e.message.contains("Demo Maya runs only simple code"),
                "{}",
                e.message
            );
            assert!(e.message.contains("Connect a real Maya"), "{}", e.message);
        }
        assert!(r.out.is_empty(), "nothing ran: {:?}", r.out);
        assert_eq!(r.err("x = range(3)").kind, LIMITATION);
        assert_eq!(r.err("import random\nrandom.random()").kind, LIMITATION);
        let e = r.err("print('hi'");
        assert_eq!(e.kind, "SyntaxError");
        assert!(
            e.traceback
                .contains("line 1\n    print('hi'\nSyntaxError: '(' was never closed"),
            "{}",
            e.traceback
        );
        assert_eq!(r.err("  x = 1").kind, "IndentationError");
        assert_eq!(r.err("1 +").kind, "SyntaxError");
        assert_eq!(r.err("x = ").kind, "SyntaxError");
        assert_eq!(r.err("5 = x").message, "cannot assign to literal");
    }

    #[test]
    fn cmds_calls() {
        let mut r = Run::new();
        assert_eq!(
            r.val("import maya.cmds as mc\nmc.about(version=True)"),
            "'2025'"
        );
        assert_eq!(
            r.val("cmds.polySphere(name='ball')"),
            "['ball', 'polySphere1']"
        );
        assert_eq!(r.val("cmds.polyCube()"), "['pCube1', 'polyCube1']");
        assert_eq!(
            r.val("from maya import cmds as c2\nc2.ls('ball', 'pCube*')"),
            "['ball', 'pCube1', 'pCubeShape1']"
        );
        assert_eq!(r.val("cmds.ls(sl=True)"), "['pCube1']");
        assert_eq!(
            r.val("cmds.select('ball')\ncmds.ls(selection=True)"),
            "['ball']"
        );
        assert_eq!(
            r.val("cmds.delete('ball')\ncmds.objExists('ball')"),
            "False"
        );
        assert_eq!(
            r.val("cmds.file(q=True, sceneName=True)"),
            "'/projects/demo/scenes/walk_cycle.ma'"
        );
        assert_eq!(r.val("cmds.spaceLocator()"), "['locator1']");
        assert_eq!(
            r.val("cmds.select(cl=True)\ncmds.joint(p=(0, 1, 0))"),
            "'joint1'"
        );
        assert_eq!(
            r.val("cmds.getAttr('Spine.translate')"),
            "[(0.0, 10.0, 0.0)]"
        );
        assert_eq!(
            r.val("cmds.setAttr('Spine.tx', 2)\ncmds.getAttr('Spine.tx')"),
            "2.0"
        );
        assert_eq!(
            r.val("cmds.listRelatives('Spine', parent=True)"),
            "['Hips']"
        );
        assert_eq!(
            r.val("import maya.mel as mel\nmel.eval('about -v')"),
            "'2025'"
        );
        r.out.clear();
        assert_eq!(r.run("cmds.warning('careful')").unwrap(), None);
        assert_eq!(r.out, [(3, "Warning: careful\n".to_string())]);
        let e = r.err("cmds.error('boom')");
        assert_eq!(
            (e.kind.as_str(), e.message.as_str()),
            ("RuntimeError", "boom")
        );
        assert_eq!(
            r.err("cmds.select('nothing')").message,
            "No object matches name: nothing"
        );
        assert_eq!(
            r.err("cmds.polySphere(bogus=1)").message,
            "Invalid flag 'bogus'"
        );
        assert_eq!(r.err("cmds.parentConstraint('a', 'b')").kind, LIMITATION);
    }

    #[test]
    fn deep_or_hostile_input_never_panics() {
        let mut r = Run::new();
        assert_eq!(
            r.err(&("(".repeat(150) + "1" + &")".repeat(150))).kind,
            "SyntaxError"
        );
        assert_eq!(r.err(&"-".repeat(5000)).kind, "SyntaxError");
        let long = vec!["1"; 50_000].join(" + ");
        assert_eq!(r.val(&long), "50000");
        assert_eq!(
            r.err(&format!("x = [1]\n{}", "x = [x, x]\n".repeat(40)))
                .kind,
            "MemoryError"
        );
        assert_eq!(
            r.err(&format!("y = 1\n{}", "y = [y]\n".repeat(200))).kind,
            LIMITATION
        );
        for code in [
            "\u{0}",
            "\\",
            "'''",
            "f'{'",
            "f'{}'",
            "x[",
            "x.1",
            "a = = 1",
            "1..2",
            "[,]",
            "print(*a)",
            "0x",
            "1e",
            "é = 1\né",
        ] {
            let _ = r.run(code);
        }
    }
}
