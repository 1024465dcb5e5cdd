//! A parser for the DOT that `terraform graph` prints. It reads the DOT language's statements
//! (nodes, edges, attributes, nested subgraphs, comments) iteratively: nesting is a counter,
//! never recursion, so no input can overflow the stack.

use crate::MAX_INPUT_BYTES;
use crate::error::{Error, ErrorKind};
use crate::graph::Graph;
use crate::state::too_large;

/// Subgraph nesting deeper than this is refused (Terraform nests one level).
pub const MAX_SUBGRAPH_DEPTH: usize = 256;

/// Parse `terraform graph` output. Errors read `parse graph: …` or `analyze graph: …`.
pub fn parse_dot(input: &str) -> Result<Graph, Error> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(too_large("terraform graph", input.len()));
    }
    let tokens = Lexer::new(input).tokens()?;
    let mut parser = Parser { tokens: &tokens, pos: 0, graph: Graph::default(), directed: true };
    parser.document()?;
    let mut graph = parser.graph;
    graph.finish();
    Ok(graph)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok<'a> {
    /// An identifier, numeral, quoted string (quotes kept) or HTML string, as written.
    Id(&'a str),
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Equals,
    Semi,
    Comma,
    Colon,
    Arrow,
    DashDash,
}

struct Token<'a> {
    tok: Tok<'a>,
    line: usize,
}

fn parse_error(line: usize, message: impl std::fmt::Display) -> Error {
    ErrorKind::ParseGraph(format!("line {line}: {message}")).into()
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Self { src, bytes: src.as_bytes(), pos: 0, line: 1 }
    }

    fn tokens(mut self) -> Result<Vec<Token<'a>>, Error> {
        let mut out = Vec::new();
        while let Some(tok) = self.next_token()? {
            out.push(tok);
        }
        Ok(out)
    }

    fn peek(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.pos + offset).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek(0)?;
        self.pos += 1;
        if b == b'\n' {
            self.line += 1;
        }
        Some(b)
    }

    fn skip_trivia(&mut self) -> Result<(), Error> {
        loop {
            match (self.peek(0), self.peek(1)) {
                (Some(b), _) if b.is_ascii_whitespace() => {
                    self.bump();
                }
                (Some(b'/'), Some(b'/')) => self.skip_line(),
                (Some(b'#'), _) if self.at_line_start() => self.skip_line(),
                (Some(b'/'), Some(b'*')) => {
                    let line = self.line;
                    self.pos += 2;
                    loop {
                        match (self.peek(0), self.peek(1)) {
                            (Some(b'*'), Some(b'/')) => {
                                self.pos += 2;
                                break;
                            }
                            (Some(_), _) => {
                                self.bump();
                            }
                            (None, _) => return Err(parse_error(line, "unterminated comment")),
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn at_line_start(&self) -> bool {
        self.bytes[..self.pos]
            .iter()
            .rev()
            .take_while(|&&b| b != b'\n')
            .all(|b| b.is_ascii_whitespace())
    }

    fn skip_line(&mut self) {
        while let Some(b) = self.peek(0) {
            if b == b'\n' {
                break;
            }
            self.pos += 1;
        }
    }

    fn next_token(&mut self) -> Result<Option<Token<'a>>, Error> {
        self.skip_trivia()?;
        let line = self.line;
        let start = self.pos;
        let Some(b) = self.peek(0) else { return Ok(None) };
        let single = |t| Ok(Some(Token { tok: t, line }));
        let tok = match b {
            b'{' => Tok::LBrace,
            b'}' => Tok::RBrace,
            b'[' => Tok::LBracket,
            b']' => Tok::RBracket,
            b'=' => Tok::Equals,
            b';' => Tok::Semi,
            b',' => Tok::Comma,
            b':' => Tok::Colon,
            b'-' if self.peek(1) == Some(b'>') => {
                self.pos += 2;
                return single(Tok::Arrow);
            }
            b'-' if self.peek(1) == Some(b'-') => {
                self.pos += 2;
                return single(Tok::DashDash);
            }
            b'"' => return self.quoted(start, line),
            b'<' => return self.html(start, line),
            b'-' | b'.' | b'0'..=b'9' => return self.numeral(start, line),
            b if b == b'_' || b.is_ascii_alphabetic() || b >= 0x80 => {
                return self.ident(start, line);
            }
            _ => {
                let c = self.src.get(start..).and_then(|r| r.chars().next()).unwrap_or('?');
                return Err(parse_error(line, format!("unexpected character {c:?}")));
            }
        };
        self.pos += 1;
        single(tok)
    }

    fn quoted(&mut self, start: usize, line: usize) -> Result<Option<Token<'a>>, Error> {
        self.pos += 1;
        loop {
            match self.bump() {
                Some(b'\\') => {
                    self.bump();
                }
                Some(b'"') => break,
                Some(_) => {}
                None => return Err(parse_error(line, "unterminated string")),
            }
        }
        Ok(Some(Token { tok: Tok::Id(&self.src[start..self.pos]), line }))
    }

    /// `<...>` with balanced angle brackets, counted rather than recursed.
    fn html(&mut self, start: usize, line: usize) -> Result<Option<Token<'a>>, Error> {
        let mut depth = 0usize;
        loop {
            match self.bump() {
                Some(b'<') => depth += 1,
                Some(b'>') => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                Some(_) => {}
                None => return Err(parse_error(line, "unterminated HTML string")),
            }
        }
        Ok(Some(Token { tok: Tok::Id(&self.src[start..self.pos]), line }))
    }

    fn numeral(&mut self, start: usize, line: usize) -> Result<Option<Token<'a>>, Error> {
        if self.peek(0) == Some(b'-') {
            self.pos += 1;
        }
        let digits_start = self.pos;
        while matches!(self.peek(0), Some(b'0'..=b'9' | b'.')) {
            self.pos += 1;
        }
        let body = &self.src[digits_start..self.pos];
        if body.is_empty() || body == "." || body.matches('.').count() > 1 {
            return Err(parse_error(
                line,
                format!("invalid numeral {:?}", &self.src[start..self.pos]),
            ));
        }
        Ok(Some(Token { tok: Tok::Id(&self.src[start..self.pos]), line }))
    }

    fn ident(&mut self, start: usize, line: usize) -> Result<Option<Token<'a>>, Error> {
        while matches!(self.peek(0), Some(b) if b == b'_' || b.is_ascii_alphanumeric() || b >= 0x80)
        {
            self.pos += 1;
        }
        Ok(Some(Token { tok: Tok::Id(&self.src[start..self.pos]), line }))
    }
}

struct Parser<'t, 'a> {
    tokens: &'t [Token<'a>],
    pos: usize,
    graph: Graph,
    directed: bool,
}

fn is_keyword(tok: &Tok<'_>, word: &str) -> bool {
    matches!(tok, Tok::Id(s) if s.eq_ignore_ascii_case(word))
}

impl<'a> Parser<'_, 'a> {
    fn peek(&self) -> Option<&Tok<'a>> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn line(&self) -> usize {
        self.tokens.get(self.pos).or(self.tokens.last()).map_or(1, |t| t.line)
    }

    fn next(&mut self) -> Option<&Tok<'a>> {
        let t = self.tokens.get(self.pos).map(|t| &t.tok);
        self.pos += 1;
        t
    }

    fn expect(&mut self, want: Tok<'static>, what: &str) -> Result<(), Error> {
        let line = self.line();
        match self.next() {
            Some(t) if *t == want => Ok(()),
            Some(t) => Err(parse_error(line, format!("expected {what}, found {}", describe(t)))),
            None => Err(parse_error(line, format!("expected {what}, found end of input"))),
        }
    }

    fn id(&mut self, what: &str) -> Result<&'a str, Error> {
        let line = self.line();
        match self.next() {
            Some(Tok::Id(s)) => Ok(s),
            Some(t) => Err(parse_error(line, format!("expected {what}, found {}", describe(t)))),
            None => Err(parse_error(line, format!("expected {what}, found end of input"))),
        }
    }

    /// `[strict] (graph|digraph) [ID] { stmt_list }`
    fn document(&mut self) -> Result<(), Error> {
        if self.peek().is_some_and(|t| is_keyword(t, "strict")) {
            self.pos += 1;
        }
        let line = self.line();
        match self.next() {
            Some(t) if is_keyword(t, "digraph") => self.directed = true,
            Some(t) if is_keyword(t, "graph") => self.directed = false,
            _ => return Err(parse_error(line, "expected 'digraph' or 'graph'")),
        }
        if let Some(Tok::Id(_)) = self.peek() {
            self.pos += 1;
        }
        self.expect(Tok::LBrace, "'{'")?;
        self.statements()?;
        match self.peek() {
            None => Ok(()),
            Some(t) => {
                Err(parse_error(self.line(), format!("unexpected {} after the graph", describe(t))))
            }
        }
    }

    /// The statement list of the graph and its subgraphs; `depth` counts open braces.
    fn statements(&mut self) -> Result<(), Error> {
        let mut depth = 1usize;
        while depth > 0 {
            let line = self.line();
            let Some(tok) = self.peek().cloned() else {
                return Err(parse_error(line, "expected '}', found end of input"));
            };
            match tok {
                Tok::RBrace => {
                    self.pos += 1;
                    depth -= 1;
                }
                Tok::Semi => self.pos += 1,
                Tok::LBrace => {
                    self.pos += 1;
                    depth = self.open_subgraph(depth, line)?;
                }
                Tok::Id(word) if word.eq_ignore_ascii_case("subgraph") => {
                    self.pos += 1;
                    if let Some(Tok::Id(_)) = self.peek() {
                        self.pos += 1;
                    }
                    self.expect(Tok::LBrace, "'{' after subgraph")?;
                    depth = self.open_subgraph(depth, line)?;
                }
                Tok::Id(word)
                    if ["graph", "node", "edge"].iter().any(|k| word.eq_ignore_ascii_case(k)) =>
                {
                    self.pos += 1;
                    self.attr_lists()?;
                }
                Tok::Id(_) => self.node_or_edge()?,
                other => return Err(parse_error(line, format!("unexpected {}", describe(&other)))),
            }
        }
        Ok(())
    }

    fn open_subgraph(&mut self, depth: usize, line: usize) -> Result<usize, Error> {
        if depth >= MAX_SUBGRAPH_DEPTH {
            return Err(parse_error(
                line,
                format!("subgraphs nested deeper than {MAX_SUBGRAPH_DEPTH}"),
            ));
        }
        Ok(depth + 1)
    }

    /// `ID = ID`, a node statement, or an edge chain `A -> B -> C [attrs]`.
    fn node_or_edge(&mut self) -> Result<(), Error> {
        let first = self.id("a node id")?;
        if self.peek() == Some(&Tok::Equals) {
            self.pos += 1;
            self.id("an attribute value")?;
            return Ok(());
        }
        self.port()?;
        let mut from = self.graph.node(first);
        let mut is_edge = false;
        while let Some(op @ (Tok::Arrow | Tok::DashDash)) = self.peek().cloned() {
            let line = self.line();
            self.pos += 1;
            if (op == Tok::Arrow) != self.directed {
                let kind = if self.directed { "a digraph" } else { "an undirected graph" };
                return Err(ErrorKind::AnalyzeGraph(format!(
                    "line {line}: edge operator {} in {kind}",
                    describe(&op)
                ))
                .into());
            }
            if matches!(self.peek(), Some(Tok::LBrace))
                || self.peek().is_some_and(|t| is_keyword(t, "subgraph"))
            {
                return Err(parse_error(line, "subgraphs as edge operands are not supported"));
            }
            let to_id = self.id("a node id")?;
            let to = self.graph.node(to_id);
            self.port()?;
            self.graph.edge(from, to);
            from = to;
            is_edge = true;
        }
        let label = self.attr_lists()?;
        if let (false, Some(label)) = (is_edge, label) {
            self.graph.set_label(from, label);
        }
        Ok(())
    }

    /// An optional `:port[:compass]`, which the conversion ignores.
    fn port(&mut self) -> Result<(), Error> {
        for _ in 0..2 {
            if self.peek() != Some(&Tok::Colon) {
                break;
            }
            self.pos += 1;
            self.id("a port")?;
        }
        Ok(())
    }

    /// Zero or more `[ a = b, c = d; ... ]`; returns the last `label` value, raw.
    fn attr_lists(&mut self) -> Result<Option<&'a str>, Error> {
        let mut label = None;
        while self.peek() == Some(&Tok::LBracket) {
            self.pos += 1;
            loop {
                match self.peek() {
                    Some(Tok::RBracket) => {
                        self.pos += 1;
                        break;
                    }
                    Some(Tok::Comma | Tok::Semi) => self.pos += 1,
                    _ => {
                        let name = self.id("an attribute name")?;
                        self.expect(Tok::Equals, "'='")?;
                        let value = self.id("an attribute value")?;
                        if name == "label" {
                            label = Some(value);
                        }
                    }
                }
            }
        }
        Ok(label)
    }
}

fn describe(tok: &Tok<'_>) -> String {
    match tok {
        Tok::Id(s) if s.len() > 40 => format!("{:?}…", s.chars().take(40).collect::<String>()),
        Tok::Id(s) => format!("{s:?}"),
        Tok::LBrace => "'{'".into(),
        Tok::RBrace => "'}'".into(),
        Tok::LBracket => "'['".into(),
        Tok::RBracket => "']'".into(),
        Tok::Equals => "'='".into(),
        Tok::Semi => "';'".into(),
        Tok::Comma => "','".into(),
        Tok::Colon => "':'".into(),
        Tok::Arrow => "'->'".into(),
        Tok::DashDash => "'--'".into(),
    }
}
