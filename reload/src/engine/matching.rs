//! Matching old prototypes to new ones by identity path.
//!
//! The compiler gives every function a path from its syntax (`M.add`, `M:draw`, `helper`,
//! `ui.on_click`, `M.add/<anonymous#1>`); repeated names among one parent's children are
//! numbered (`f#2`) and anonymous functions are numbered by position, so a path names one
//! function in a tree. A path that still occurs twice is ambiguous: neither side matches
//! (never a guess that runs the wrong function).

use std::collections::HashMap;

use gc_arena::Gc;
use wayfinder_vm::function::Proto;

pub struct Matching<'gc> {
    /// `(old, new)`: old is the prototype the running closures are bound to now.
    pub pairs: Vec<(Gc<'gc, Proto<'gc>>, Gc<'gc, Proto<'gc>>)>,
    /// Old prototypes with no counterpart.
    pub unmatched: Vec<Gc<'gc, Proto<'gc>>>,
    /// New prototypes with no counterpart.
    pub added: Vec<Gc<'gc, Proto<'gc>>>,
}

/// Prototypes of a tree by identity path; `None` marks a path seen twice.
fn by_path<'gc>(
    root: Gc<'gc, Proto<'gc>>,
) -> (Vec<String>, HashMap<String, Option<Gc<'gc, Proto<'gc>>>>) {
    let mut order = Vec::new();
    let mut map: HashMap<String, Option<Gc<'gc, Proto<'gc>>>> = HashMap::new();
    for p in Proto::tree(root) {
        let path = p.info.identity.clone();
        match map.get_mut(&path) {
            Some(slot) => *slot = None,
            None => {
                order.push(path.clone());
                map.insert(path, Some(p));
            }
        }
    }
    (order, map)
}

/// Match the prototypes of two trees. Old prototypes that earlier reloads replaced stand
/// for their newest replacement (that is where their closures are now).
pub fn match_trees<'gc>(
    old_root: Gc<'gc, Proto<'gc>>,
    new_root: Gc<'gc, Proto<'gc>>,
) -> Matching<'gc> {
    let (old_order, old) = by_path(old_root);
    let (new_order, new) = by_path(new_root);
    let mut m = Matching {
        pairs: Vec::new(),
        unmatched: Vec::new(),
        added: Vec::new(),
    };
    for path in &old_order {
        let Some(o) = old[path] else { continue };
        let o = Proto::resolve(o);
        match new.get(path) {
            Some(Some(n)) => m.pairs.push((o, *n)),
            _ => m.unmatched.push(o),
        }
    }
    for path in &new_order {
        if let Some(n) = new[path] {
            if !matches!(old.get(path), Some(Some(_))) {
                m.added.push(n);
            }
        }
    }
    m
}

/// The function named `name` in a tree: its exact identity path (`M.add`), or else the one
/// function whose last name component is `name` (`add` for `M.add` or `M:add`).
pub fn find<'gc>(
    root: Gc<'gc, Proto<'gc>>,
    name: &str,
) -> Result<Gc<'gc, Proto<'gc>>, Vec<String>> {
    let (_, map) = by_path(root);
    if let Some(Some(p)) = map.get(name) {
        return Ok(*p);
    }
    let short: Vec<_> = map
        .iter()
        .filter_map(|(path, p)| {
            let last = path.rsplit(['.', ':', '/']).next()?;
            (last == name && !path.contains('/')).then_some((path.clone(), *p))
        })
        .collect();
    match short.as_slice() {
        [(_, Some(p))] => Ok(*p),
        _ => Err(short.into_iter().map(|(path, _)| path).collect()),
    }
}

/// The named (non-anonymous) function identities of a tree, for messages.
pub fn names<'gc>(root: Gc<'gc, Proto<'gc>>) -> Vec<String> {
    Proto::tree(root)
        .iter()
        .map(|p| p.info.identity.clone())
        .filter(|n| !n.is_empty() && !n.contains('<'))
        .collect()
}
