//! Rendering syntax errors as rich diagnostics: `file:line:col`, the source line, a caret
//! under the offending token and a secondary label at the unclosed opener.

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor::Buffer, Config};
use wayfinder_vm::syntax::SyntaxError;

/// Render `error` in `source` (named `file_name`) as text; `color` adds ANSI colours.
pub fn render_syntax_error(
    file_name: &str,
    source: &[u8],
    error: &SyntaxError,
    color: bool,
) -> String {
    let text = String::from_utf8_lossy(source).into_owned();
    let mut files = SimpleFiles::new();
    let id = files.add(file_name.to_string(), text.clone());
    let clamp = |x: u32| (x as usize).min(text.len());
    let (start, end) = (
        clamp(error.span.start),
        clamp(error.span.end.max(error.span.start)),
    );
    let mut labels =
        vec![Label::primary(id, start..end).with_message(primary_label(&error.message))];
    if let Some((span, message)) = &error.related {
        labels.push(
            Label::secondary(id, clamp(span.start)..clamp(span.end)).with_message(message.clone()),
        );
    }
    let diagnostic = Diagnostic::error()
        .with_message(&error.message)
        .with_labels(labels);
    let mut buffer = if color {
        Buffer::ansi()
    } else {
        Buffer::no_color()
    };
    if term::emit(&mut buffer, &Config::default(), &files, &diagnostic).is_err() {
        return format!("{file_name}: {}\n", error.message);
    }
    String::from_utf8_lossy(buffer.as_slice()).into_owned()
}

/// A short label for the caret: what Lua found there.
fn primary_label(message: &str) -> String {
    match message.rsplit_once(" near ") {
        Some((_, near)) => format!("found {near} here"),
        None => "here".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_caret_and_opener() {
        let src = b"local x = 1\nfunction f()\n  return x\n";
        let err = wayfinder_vm::syntax::parse(src).unwrap_err();
        let out = render_syntax_error("broken.lua", src, &err, false);
        assert!(
            out.contains("error: 'end' expected (to close 'function' at line 2) near <eof>"),
            "{out}"
        );
        assert!(out.contains("broken.lua:4:1"), "{out}");
        assert!(out.contains("unclosed 'function' starts here"), "{out}");
        assert!(out.contains("function f()"), "{out}");
    }
}
