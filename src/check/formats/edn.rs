//! A reader for the part of EDN (Clojure's data notation) that Jepsen and Knossos histories use:
//! `nil`, booleans, integers, floats, strings, characters, keywords, symbols, vectors, lists,
//! maps, sets, tagged values (`#inst "…"`), `#_` discards and `;` comments; commas are
//! whitespace. Every value carries the line it starts on, for error messages and event order.
//!
//! Hand-written rather than a crate: the EDN crates we looked at (edn-format, edn-rs) pull in
//! chrono, bigdecimal or uuid and do not give the position of each element, which is what a
//! history's error messages and clock need. Nesting is bounded ([`MAX_DEPTH`]) so hostile input
//! cannot overflow the stack, and nothing here touches the file system (it runs in wasm).

use super::ParseError;

/// Deepest nesting of collections accepted.
pub const MAX_DEPTH: usize = 64;

/// An EDN value.
#[derive(Clone, Debug, PartialEq)]
pub enum Edn {
    /// `nil`.
    Nil,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// A floating-point number (kept as text: histories only carry them in fields we ignore).
    Float(String),
    /// A string.
    Str(String),
    /// A character literal such as `\a`.
    Char(char),
    /// A keyword, without its colon: `invoke`, `jepsen/nemesis`.
    Keyword(String),
    /// A symbol.
    Symbol(String),
    /// `[…]`.
    Vector(Vec<Node>),
    /// `(…)`.
    List(Vec<Node>),
    /// `{k v …}` in source order.
    Map(Vec<(Node, Node)>),
    /// `#{…}`.
    Set(Vec<Node>),
    /// `#tag value`.
    Tagged(String, Box<Node>),
}

/// A value and the line (1-based) it starts on.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Line of the value's first character.
    pub line: u64,
    /// The value.
    pub value: Edn,
}

impl Node {
    /// The value of keyword key `k` in a map (`None` if this is not a map or has no such key).
    pub fn get(&self, k: &str) -> Option<&Node> {
        match &self.value {
            Edn::Map(entries) => {
                entries.iter().find(|(key, _)| matches!(&key.value, Edn::Keyword(x) if x == k)).map(|(_, v)| v)
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for Edn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn seq(f: &mut std::fmt::Formatter<'_>, open: &str, items: &[Node], close: &str) -> std::fmt::Result {
            f.write_str(open)?;
            for (i, n) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(" ")?;
                }
                write!(f, "{}", n.value)?;
            }
            f.write_str(close)
        }
        match self {
            Edn::Nil => f.write_str("nil"),
            Edn::Bool(b) => write!(f, "{b}"),
            Edn::Int(i) => write!(f, "{i}"),
            Edn::Float(s) => f.write_str(s),
            Edn::Str(s) => write!(f, "{s:?}"),
            Edn::Char(c) => write!(f, "\\{c}"),
            Edn::Keyword(k) => write!(f, ":{k}"),
            Edn::Symbol(s) => f.write_str(s),
            Edn::Vector(v) => seq(f, "[", v, "]"),
            Edn::List(v) => seq(f, "(", v, ")"),
            Edn::Set(v) => seq(f, "#{", v, "}"),
            Edn::Map(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{} {}", k.value, v.value)?;
                }
                f.write_str("}")
            }
            Edn::Tagged(t, v) => write!(f, "#{t} {}", v.value),
        }
    }
}

/// Read every top-level value of `text`.
pub fn read_all(text: &str) -> Result<Vec<Node>, ParseError> {
    let mut r = Reader { s: text.as_bytes(), text, i: 0, line: 1 };
    let mut out = Vec::new();
    loop {
        r.skip_ws();
        if r.i >= r.s.len() {
            return Ok(out);
        }
        if let Some(node) = r.value(0)? {
            out.push(node);
        }
    }
}

struct Reader<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    line: u64,
}

fn delimiter(c: u8) -> bool {
    c.is_ascii_whitespace() || matches!(c, b',' | b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'"' | b';')
}

impl<'a> Reader<'a> {
    fn err(&self, line: u64, message: impl Into<String>) -> ParseError {
        ParseError { line, message: message.into() }
    }

    fn skip_ws(&mut self) {
        while self.i < self.s.len() {
            match self.s[self.i] {
                b'\n' => {
                    self.line += 1;
                    self.i += 1;
                }
                c if c.is_ascii_whitespace() || c == b',' => self.i += 1,
                b';' => {
                    while self.i < self.s.len() && self.s[self.i] != b'\n' {
                        self.i += 1;
                    }
                }
                _ => break,
            }
        }
    }

    /// The token up to the next delimiter (as text: a token never splits a UTF-8 character,
    /// because every delimiter is ASCII).
    fn token(&mut self) -> &'a str {
        let start = self.i;
        while self.i < self.s.len() && !delimiter(self.s[self.i]) {
            self.i += 1;
        }
        self.text.get(start..self.i).unwrap_or("")
    }

    /// One value; `None` for a `#_` discard.
    fn value(&mut self, depth: usize) -> Result<Option<Node>, ParseError> {
        self.skip_ws();
        let line = self.line;
        let Some(&c) = self.s.get(self.i) else {
            return Err(self.err(line, "unexpected end of input: a value is missing"));
        };
        if depth > MAX_DEPTH {
            return Err(self.err(line, format!("collections nested deeper than {MAX_DEPTH} levels")));
        }
        let value = match c {
            b'(' | b'[' | b'{' => {
                self.i += 1;
                let close = match c {
                    b'(' => b')',
                    b'[' => b']',
                    _ => b'}',
                };
                let items = self.items(close, line, depth)?;
                match c {
                    b'(' => Edn::List(items),
                    b'[' => Edn::Vector(items),
                    _ => Edn::Map(self.pairs(items, line)?),
                }
            }
            b')' | b']' | b'}' => {
                return Err(self.err(line, format!("unmatched closing `{}`", c as char)));
            }
            b'"' => Edn::Str(self.string(line)?),
            b'#' => {
                self.i += 1;
                match self.s.get(self.i) {
                    Some(b'{') => {
                        self.i += 1;
                        Edn::Set(self.items(b'}', line, depth)?)
                    }
                    Some(b'_') => {
                        self.i += 1;
                        self.value(depth + 1)?;
                        return Ok(None);
                    }
                    _ => {
                        let tag = self.token().to_string();
                        if tag.is_empty() {
                            return Err(self.err(line, "`#` must start a set `#{…}`, a discard `#_` or a tag"));
                        }
                        let Some(inner) = self.value(depth + 1)? else {
                            return Err(self.err(line, format!("tag #{tag} has no value")));
                        };
                        Edn::Tagged(tag, Box::new(inner))
                    }
                }
            }
            b'\\' => {
                self.i += 1;
                let t = self.token();
                let ch = match t {
                    "newline" => '\n',
                    "space" => ' ',
                    "tab" => '\t',
                    "return" => '\r',
                    _ => {
                        let mut cs = t.chars();
                        match (cs.next(), cs.next()) {
                            (Some(ch), None) => ch,
                            _ => return Err(self.err(line, format!("unknown character literal `\\{t}`"))),
                        }
                    }
                };
                Edn::Char(ch)
            }
            b':' => {
                self.i += 1;
                let k = self.token();
                if k.is_empty() {
                    return Err(self.err(line, "a keyword needs a name after `:`"));
                }
                Edn::Keyword(k.to_string())
            }
            _ => {
                let t = self.token();
                if t.is_empty() {
                    // A character that is neither a delimiter nor a token start: skip it so we
                    // never loop, and say what it was.
                    let bad = self.text.get(self.i..).and_then(|r| r.chars().next()).unwrap_or('?');
                    return Err(self.err(line, format!("unexpected character `{bad}`")));
                }
                atom(t).map_err(|m| self.err(line, m))?
            }
        };
        Ok(Some(Node { line, value }))
    }

    fn items(&mut self, close: u8, line: u64, depth: usize) -> Result<Vec<Node>, ParseError> {
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            match self.s.get(self.i) {
                None => {
                    return Err(self.err(line, format!("`{}` opened here is never closed", open_of(close))));
                }
                Some(&c) if c == close => {
                    self.i += 1;
                    return Ok(items);
                }
                Some(&c) if matches!(c, b')' | b']' | b'}') => {
                    return Err(self.err(
                        self.line,
                        format!("`{}` closes the `{}` opened at line {line}", c as char, open_of(close)),
                    ));
                }
                _ => {
                    if let Some(v) = self.value(depth + 1)? {
                        items.push(v);
                    }
                }
            }
        }
    }

    fn pairs(&self, items: Vec<Node>, line: u64) -> Result<Vec<(Node, Node)>, ParseError> {
        if items.len() % 2 != 0 {
            return Err(self.err(line, "a map needs an even number of forms (key value pairs)"));
        }
        let mut out = Vec::with_capacity(items.len() / 2);
        let mut it = items.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            out.push((k, v));
        }
        Ok(out)
    }

    fn string(&mut self, line: u64) -> Result<String, ParseError> {
        self.i += 1; // opening quote
        let mut out = String::new();
        let start = self.i;
        let mut run = start;
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return Err(self.err(line, "a string opened here is never closed"));
            };
            match c {
                b'"' => {
                    out.push_str(self.text.get(run..self.i).unwrap_or(""));
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(self.text.get(run..self.i).unwrap_or(""));
                    let esc = self.s.get(self.i + 1).copied();
                    out.push(match esc {
                        Some(b'n') => '\n',
                        Some(b't') => '\t',
                        Some(b'r') => '\r',
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        other => {
                            let shown = other.map(|b| (b as char).to_string()).unwrap_or_default();
                            return Err(self.err(self.line, format!("unknown escape `\\{shown}` in a string")));
                        }
                    });
                    self.i += 2;
                    run = self.i;
                }
                b'\n' => {
                    self.line += 1;
                    self.i += 1;
                }
                _ => self.i += 1,
            }
        }
    }
}

fn open_of(close: u8) -> char {
    match close {
        b')' => '(',
        b']' => '[',
        _ => '{',
    }
}

/// nil, true, false, a number or a symbol.
fn atom(t: &str) -> Result<Edn, String> {
    match t {
        "nil" => return Ok(Edn::Nil),
        "true" => return Ok(Edn::Bool(true)),
        "false" => return Ok(Edn::Bool(false)),
        _ => {}
    }
    let first = t.as_bytes()[0];
    let numeric =
        first.is_ascii_digit() || ((first == b'-' || first == b'+') && t.len() > 1 && t.as_bytes()[1].is_ascii_digit());
    if !numeric {
        return Ok(Edn::Symbol(t.to_string()));
    }
    let body = t.strip_suffix('N').unwrap_or(t);
    if let Ok(i) = body.parse::<i64>() {
        return Ok(Edn::Int(i));
    }
    if body.chars().all(|c| c.is_ascii_digit() || c == '-' || c == '+') {
        return Err(format!("integer `{t}` does not fit in 64 bits"));
    }
    let fbody = t.strip_suffix('M').unwrap_or(t);
    if fbody.parse::<f64>().is_ok() {
        return Ok(Edn::Float(t.to_string()));
    }
    Err(format!("`{t}` is not a number"))
}
