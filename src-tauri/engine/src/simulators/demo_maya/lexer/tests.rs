//! The tokenizer on small programs: logical lines, strings and numbers, f-strings, and
//! errors with their line and Python's wording.

use super::*;

fn toks(s: &str) -> Vec<Vec<Tok>> {
    tokenize(s).unwrap().into_iter().map(|l| l.toks).collect()
}

#[test]
fn logical_lines() {
    let lines = tokenize("a = 1\n\n# c\nb = [1,\n  2]\nc = 1 + \\\n 2\n  d\n").unwrap();
    assert_eq!(lines.iter().map(|l| l.no).collect::<Vec<_>>(), [1, 4, 6, 8]);
    assert!(lines[3].indented);
    assert_eq!(lines[1].toks.len(), 7);
}

#[test]
fn strings_and_numbers() {
    assert_eq!(
        toks(r#"'a\n' "b" r'\n' 1_000 2.5 .5 1e3"#)[0],
        [
            Tok::Str("a\n".into()),
            Tok::Str("b".into()),
            Tok::Str("\\n".into()),
            Tok::Int(1000),
            Tok::Float(2.5),
            Tok::Float(0.5),
            Tok::Float(1000.0),
        ]
    );
    assert_eq!(toks("'''a\nb'''\nx")[0], [Tok::Str("a\nb".into())]);
    assert_eq!(toks("'é\\u00e9'")[0], [Tok::Str("éé".into())]);
}

#[test]
fn fstrings() {
    let t = &toks("f'a{x!r:>3}{{b}} {y + 1}'")[0][0];
    assert_eq!(
        t,
        &Tok::FStr(vec![
            FPiece::Lit("a".into()),
            FPiece::Expr {
                src: "x".into(),
                conv: Some('r'),
                spec: ">3".into()
            },
            FPiece::Lit("{b} ".into()),
            FPiece::Expr {
                src: "y + 1".into(),
                conv: None,
                spec: String::new()
            },
        ])
    );
}

#[test]
fn errors() {
    let e = tokenize("print('hi)").unwrap_err();
    assert_eq!((e.kind, e.line), ("SyntaxError", 1));
    assert!(e.message.starts_with("unterminated string literal"));
    assert_eq!(
        tokenize("x = (1,\n2").unwrap_err().message,
        "'(' was never closed"
    );
    assert_eq!(tokenize("x)").unwrap_err().message, "unmatched ')'");
    assert!(tokenize("a $ b")
        .unwrap_err()
        .message
        .contains("invalid character"));
    assert_eq!(tokenize("0x1F").unwrap_err().kind, "DemoLimitation");
    assert_eq!(
        tokenize(&"(".repeat(100_000)).unwrap_err().message,
        "too many nested parentheses"
    );
}
