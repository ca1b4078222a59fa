//! The bounded per-session history of console lines, addressed by absolute
//! line number (0 = the session's first line), so a UI can page through it and
//! resume where it left off even after old lines were evicted.

use std::collections::VecDeque;

use crate::console::{ConsoleLine, LineKind};

#[derive(Debug, Clone)]
pub(crate) struct StoredLine {
    pub kind: LineKind,
    pub time_ms: u64,
    pub text: String,
}

#[derive(Debug)]
pub(crate) struct LineRing {
    cap: usize,
    /// Absolute number of `lines[0]`.
    first: u64,
    lines: VecDeque<StoredLine>,
}

impl LineRing {
    pub fn new(cap: usize) -> Self {
        Self {
            cap: cap.max(1),
            first: 0,
            lines: VecDeque::new(),
        }
    }

    /// Keeps a line and returns its absolute number.
    pub fn push(&mut self, line: StoredLine) -> u64 {
        if self.lines.len() == self.cap {
            self.lines.pop_front();
            self.first += 1;
        }
        self.lines.push_back(line);
        self.total() - 1
    }

    /// Lines ever pushed.
    pub fn total(&self) -> u64 {
        self.first + self.lines.len() as u64
    }

    /// Absolute number of the oldest line still held.
    pub fn first(&self) -> u64 {
        self.first
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Up to `max` lines from absolute line `from` (or from the oldest held, if
    /// `from` was evicted).
    pub fn range(&self, session: &str, from: u64, max: usize) -> Vec<ConsoleLine> {
        let start = from.saturating_sub(self.first).min(self.lines.len() as u64) as usize;
        self.lines
            .range(start..)
            .take(max)
            .zip(self.first + start as u64..)
            .map(|(l, number)| ConsoleLine {
                session: session.to_owned(),
                kind: l.kind,
                text: l.text.clone(),
                time_ms: l.time_ms,
                line: Some(number),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(i: usize) -> StoredLine {
        StoredLine {
            kind: LineKind::Output,
            time_ms: i as u64,
            text: i.to_string(),
        }
    }

    #[test]
    fn keeps_the_newest_lines_with_absolute_numbers() {
        let mut r = LineRing::new(3);
        for i in 0..5 {
            r.push(line(i));
        }
        assert_eq!((r.first(), r.total(), r.len()), (2, 5, 3));
        let texts = |v: Vec<ConsoleLine>| v.into_iter().map(|l| l.text).collect::<Vec<_>>();
        assert_eq!(texts(r.range("s", 0, 10)), ["2", "3", "4"]);
        assert_eq!(texts(r.range("s", 3, 1)), ["3"]);
        assert!(r.range("s", 5, 10).is_empty());
        assert!(r.range("s", 99, 10).is_empty());
    }
}
