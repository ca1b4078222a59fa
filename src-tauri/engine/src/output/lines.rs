//! Line splitting. Maya hands the output callback pieces of text, not lines:
//! `print("x")` arrives as `"x"` then `"\n"`, a `sys.stdout.write` may carry
//! half a line or many. Text is accumulated per stream and cut on `"\n"`
//! (`"\r\n"` too); each line keeps the kind of the message that started it.
//!
//! A partial line is emitted early ("forced") when the next message has a
//! different kind, when no text arrived for a short while, or on an explicit
//! flush. The newline that would have ended a force-emitted line usually comes
//! next (`"x"` … `"\n"`): one `"\n"` at the very start of the following message
//! is then taken as that line's end rather than as an empty line.

use std::time::{Duration, Instant};

use crate::console::LineKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutLine {
    pub kind: LineKind,
    pub text: String,
}

#[derive(Debug)]
pub(crate) struct LineSplitter {
    partial: String,
    kind: LineKind,
    last_append: Option<Instant>,
    swallow_newline: bool,
    idle_flush: Duration,
}

impl LineSplitter {
    pub fn new(idle_flush: Duration) -> Self {
        Self {
            partial: String::new(),
            kind: LineKind::Output,
            last_append: None,
            swallow_newline: false,
            idle_flush,
        }
    }

    /// Feeds one message's text. Complete lines are appended to `out`.
    pub fn push(&mut self, kind: LineKind, text: &str, now: Instant, out: &mut Vec<OutLine>) {
        if text.is_empty() {
            return;
        }
        let mut rest = text;
        if !self.partial.is_empty() && self.kind != kind {
            self.force_flush(out);
        }
        if std::mem::take(&mut self.swallow_newline) {
            if let Some(r) = rest
                .strip_prefix('\n')
                .or_else(|| rest.strip_prefix("\r\n"))
            {
                rest = r;
            }
        }
        while let Some(i) = rest.find('\n') {
            let seg = &rest[..i];
            let mut line = if self.partial.is_empty() {
                seg.to_owned()
            } else {
                let mut p = std::mem::take(&mut self.partial);
                p.push_str(seg);
                p
            };
            if line.ends_with('\r') {
                line.pop();
            }
            out.push(OutLine { kind, text: line });
            rest = &rest[i + 1..];
        }
        if !rest.is_empty() {
            if self.partial.is_empty() {
                self.kind = kind;
            }
            self.partial.push_str(rest);
            self.last_append = Some(now);
        }
    }

    /// Emits the partial line, if any, now.
    pub fn force_flush(&mut self, out: &mut Vec<OutLine>) {
        if self.partial.is_empty() {
            return;
        }
        let mut line = std::mem::take(&mut self.partial);
        if line.ends_with('\r') {
            line.pop();
        }
        out.push(OutLine {
            kind: self.kind,
            text: line,
        });
        self.swallow_newline = true;
        self.last_append = None;
    }

    /// When the partial line should be emitted if nothing else arrives.
    pub fn deadline(&self) -> Option<Instant> {
        if self.partial.is_empty() {
            return None;
        }
        self.last_append.map(|t| t + self.idle_flush)
    }

    /// Emits the partial line if it has been idle long enough.
    pub fn poll(&mut self, now: Instant, out: &mut Vec<OutLine>) {
        if self.deadline().is_some_and(|d| now >= d) {
            self.force_flush(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LineKind::*;

    fn feed(parts: &[(LineKind, &str)]) -> (LineSplitter, Vec<OutLine>) {
        let mut s = LineSplitter::new(Duration::from_millis(100));
        let mut out = Vec::new();
        let now = Instant::now();
        for (k, t) in parts {
            s.push(*k, t, now, &mut out);
        }
        (s, out)
    }

    fn texts(out: &[OutLine]) -> Vec<(LineKind, &str)> {
        out.iter().map(|l| (l.kind, l.text.as_str())).collect()
    }

    #[test]
    fn print_as_two_messages_is_one_line() {
        let (s, out) = feed(&[(Output, "x"), (Output, "\n"), (Output, "y"), (Output, "\n")]);
        assert_eq!(texts(&out), [(Output, "x"), (Output, "y")]);
        assert_eq!(s.deadline(), None);
    }

    #[test]
    fn many_lines_in_one_message_and_crlf() {
        let (_, out) = feed(&[(Output, "a\r\nb\n\nc"), (Output, "d\r"), (Output, "\n")]);
        assert_eq!(
            texts(&out),
            [(Output, "a"), (Output, "b"), (Output, ""), (Output, "cd")]
        );
    }

    #[test]
    fn kind_change_flushes_and_takes_the_newline() {
        let (_, out) = feed(&[
            (Output, "abc"),
            (Error, "\nboom\n"),
            (Warning, "w"),
            (Warning, "\n"),
        ]);
        assert_eq!(
            texts(&out),
            [(Output, "abc"), (Error, "boom"), (Warning, "w")]
        );
    }

    #[test]
    fn a_line_keeps_the_kind_that_started_it() {
        let (_, out) = feed(&[(Error, "E"), (Error, "rr\nnext"), (Error, "\n")]);
        assert_eq!(texts(&out), [(Error, "Err"), (Error, "next")]);
    }

    #[test]
    fn idle_partial_flushes_then_its_newline_is_not_an_empty_line() {
        let mut s = LineSplitter::new(Duration::from_millis(100));
        let mut out = Vec::new();
        let t0 = Instant::now();
        s.push(Output, "Working...", t0, &mut out);
        s.poll(t0 + Duration::from_millis(50), &mut out);
        assert!(out.is_empty());
        s.poll(t0 + Duration::from_millis(100), &mut out);
        assert_eq!(texts(&out), [(Output, "Working...")]);
        s.push(Output, "\n", t0 + Duration::from_millis(300), &mut out);
        s.push(Output, "\n", t0 + Duration::from_millis(300), &mut out);
        assert_eq!(texts(&out), [(Output, "Working..."), (Output, "")]);
    }
}
