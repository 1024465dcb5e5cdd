//! How the CLI prints: aligned tables for people, JSON for scripts (`--output json`), and colour
//! only on a terminal (never with `NO_COLOR`, always with `--color always`).

use clap::{Args, ValueEnum};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
use serde::Serialize;
use std::io::IsTerminal;
use std::sync::OnceLock;

/// `--output` on every list and show command.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned tables and sentences, for people.
    #[default]
    Text,
    /// The API's JSON objects, for scripts (`jq`).
    Json,
}

#[derive(Debug, Clone, Copy, Default, Args)]
pub struct OutputArgs {
    /// Print as text for people, or as the API's JSON for scripts.
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Text, value_name = "FORMAT")]
    pub output: Format,
}

impl OutputArgs {
    pub fn json(self) -> bool {
        self.output == Format::Json
    }
}

/// A time as every sentence shows it: `2026-12-01 00:00 UTC`.
pub fn utc_minute(time: chrono::DateTime<chrono::Utc>) -> String {
    time.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// `--color`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    /// Always colour, also on a pipe.
    Always,
    /// Never colour.
    Never,
}

static COLOR: OnceLock<ColorChoice> = OnceLock::new();

pub fn set_color(choice: ColorChoice) {
    let _ = COLOR.set(choice);
}

/// Whether to colour a stream: `--color`, else a terminal without `NO_COLOR` (no-color.org)
/// and not `TERM=dumb`.
pub fn color_for(stream_is_terminal: bool) -> bool {
    match COLOR.get().copied().unwrap_or_default() {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
            stream_is_terminal && !no_color && !dumb
        }
    }
}

pub fn stderr_color() -> bool {
    color_for(std::io::stderr().is_terminal())
}

fn paint(code: &str, text: &str) -> String {
    if stderr_color() { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
}

/// `error:` in bold red (on a colour terminal), as cargo prints it.
pub fn error_label() -> String {
    paint("1;31", "error:")
}

pub fn warning_label() -> String {
    paint("1;33", "warning:")
}

pub fn hint_label() -> String {
    paint("1;36", "hint:")
}

/// Prints `warning: …` on stderr.
pub fn warn(message: &str) {
    eprintln!("{} {message}", warning_label());
}

/// A borderless table with a header row, columns separated by two spaces, lines trimmed.
pub struct Columns {
    table: Table,
    right: Vec<usize>,
    rows: usize,
}

impl Columns {
    pub fn new(header: &[&str]) -> Columns {
        let mut table = Table::new();
        table
            .load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(header.iter().map(Cell::new));
        Columns { table, right: Vec::new(), rows: 0 }
    }

    /// Right-aligns column `index` (amounts, counts).
    pub fn right(mut self, index: usize) -> Columns {
        self.right.push(index);
        self
    }

    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: ToString,
    {
        self.table.add_row(cells.into_iter().map(|c| Cell::new(c.to_string())));
        self.rows += 1;
    }

    /// Prints the table, or `empty` when it has no rows.
    pub fn print_or(self, empty: &str) {
        if self.rows == 0 {
            println!("{empty}");
        } else {
            self.print();
        }
    }

    pub fn render(mut self) -> String {
        let count = self.table.column_count();
        for index in 0..count {
            if let Some(column) = self.table.column_mut(index) {
                let last = index + 1 == count;
                column.set_padding((0, if last { 0 } else { 2 }));
                if self.right.contains(&index) {
                    column.set_cell_alignment(CellAlignment::Right);
                }
            }
        }
        let mut out = String::new();
        for line in self.table.lines() {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    pub fn print(self) {
        print!("{}", self.render());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_under_their_headers() {
        let mut t = Columns::new(&["NAME", "LIMIT", "NOTE"]).right(1);
        t.row(["interns", "$20.00", "group"]);
        t.row(["a-much-longer-name", "$0.002985", ""]);
        let text = t.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "NAME                    LIMIT  NOTE");
        assert_eq!(lines[1], "interns                $20.00  group");
        assert_eq!(lines[2], "a-much-longer-name  $0.002985");
    }
}
