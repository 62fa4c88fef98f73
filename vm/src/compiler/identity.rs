//! Function identity paths (see [`crate::bytecode::FunctionProto::identity`]).
//!
//! The statement or constructor that holds a function expression gives it a name hint
//! (`M.add`, `M:draw`, `helper`, `ui.on_click`); functions without one are
//! `<anonymous#k>`. A child's identity is `parent/name` (just `name` under the main
//! chunk), and repeated names among one parent's children get `#2`, `#3`, ...

use crate::syntax::ast::{Expr, ExprKind, FuncName};

use super::Compiler;

impl Compiler<'_> {
    /// The identity of the next child of the function being compiled.
    pub(super) fn child_identity(&mut self, hint: Option<String>) -> String {
        let fs = self.fs();
        let base = match hint {
            Some(name) => name,
            None => {
                fs.anonymous_children += 1;
                format!("<anonymous#{}>", fs.anonymous_children)
            }
        };
        let seen = fs.child_names.entry(base.clone()).or_insert(0);
        *seen += 1;
        let name = if *seen == 1 {
            base
        } else {
            format!("{base}#{seen}")
        };
        if fs.identity.is_empty() {
            name
        } else {
            format!("{}/{}", fs.identity, name)
        }
    }
}

/// `a.b.c` or `a.b:m` for `function a.b.c()` / `function a.b:m()`.
pub(super) fn func_name_path(name: &FuncName) -> String {
    let mut path = name
        .path
        .iter()
        .map(|n| n.name.as_str())
        .collect::<Vec<_>>()
        .join(".");
    if let Some(m) = &name.method {
        path.push(':');
        path.push_str(&m.name);
    }
    path
}

/// The dotted path of an assignment target made of a name and identifier-like string
/// keys (`x`, `t.x`, `t.a.b`); `None` for anything else.
pub(super) fn target_path(e: &Expr) -> Option<String> {
    // A loop, not recursion: `t.a.a.a...` may be a million fields long.
    let mut fields: Vec<&str> = Vec::new();
    let mut cur = e;
    loop {
        match &cur.kind {
            ExprKind::Name(n) => {
                let mut path = n.clone();
                for field in fields.iter().rev() {
                    path.push('.');
                    path.push_str(field);
                }
                return Some(path);
            }
            ExprKind::Index { obj, key } => {
                fields.push(identifier_key(key)?);
                cur = obj;
            }
            _ => return None,
        }
    }
}

/// The key if it is a string that reads as an identifier (as in `t.name`).
pub(super) fn identifier_key(key: &Expr) -> Option<&str> {
    let ExprKind::String(bytes) = &key.kind else {
        return None;
    };
    let s = std::str::from_utf8(bytes).ok()?;
    let mut chars = s.chars();
    let first = chars.next()?;
    let ok = (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    ok.then_some(s)
}

/// `prefix.name`, or `name` when the prefix is empty (`return { f = function ... }`).
pub(super) fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}
