//! A readable listing of a prototype and its children, for tests and debugging.

use std::fmt::Write;

use crate::bytecode::{Constant, FunctionProto, Instr, LocalSlot};

/// One line per instruction: index, `[line]`, the instruction, and a comment naming
/// constants and jump targets. Child prototypes follow their parent.
pub fn disassemble(proto: &FunctionProto) -> String {
    let mut out = String::new();
    write_proto(&mut out, proto);
    out
}

fn write_proto(out: &mut String, p: &FunctionProto) {
    let name = if p.identity.is_empty() {
        "main"
    } else {
        &p.identity
    };
    let _ = writeln!(
        out,
        "function {name} <{}:{},{}> params={}{} registers={} cells={} upvalues={} constants={}",
        p.source,
        p.line_defined,
        p.last_line_defined,
        p.num_params,
        if p.is_vararg { "+" } else { "" },
        p.max_registers,
        p.num_cells,
        p.upvalues.len(),
        p.constants.len(),
    );
    for (pc, instr) in p.code.iter().enumerate() {
        let line = p.lines.get(pc).unwrap_or(0);
        let note = comment(p, pc, instr);
        let _ = writeln!(out, "  {pc:4} [{line}] {instr:?}{note}");
    }
    for (i, u) in p.upvalues.iter().enumerate() {
        let from = if u.from_parent_cell {
            "cell"
        } else {
            "upvalue"
        };
        let _ = writeln!(out, "  upvalue {i}: {} (parent {from} {})", u.name, u.index);
    }
    for l in &p.locals {
        let slot = match l.slot {
            LocalSlot::Register(r) => format!("R{r}"),
            LocalSlot::Cell(c) => format!("cell {c}"),
        };
        let _ = writeln!(
            out,
            "  local {} {slot} pc {}..{}",
            l.name, l.start_pc, l.end_pc
        );
    }
    for child in &p.protos {
        write_proto(out, child);
    }
}

fn constant(p: &FunctionProto, k: usize) -> String {
    match p.constants.get(k) {
        Some(Constant::Nil) => "nil".into(),
        Some(Constant::Boolean(b)) => b.to_string(),
        Some(Constant::Integer(i)) => i.to_string(),
        Some(Constant::Float(f)) => format!("{f:?}"),
        Some(Constant::String(s)) => format!("{:?}", String::from_utf8_lossy(s)),
        None => "<bad constant>".into(),
    }
}

fn comment(p: &FunctionProto, pc: usize, instr: &Instr) -> String {
    if let (Instr::LoadKX { .. }, Some(&Instr::ExtraArg { hi, lo })) = (instr, p.code.get(pc + 1)) {
        return format!(
            " ; {}",
            constant(p, Instr::extra_arg_value(hi, lo) as usize)
        );
    }
    let ks = super::validate::constants(instr);
    if !ks.is_empty() {
        let names: Vec<String> = ks.iter().map(|&k| constant(p, k)).collect();
        return format!(" ; {}", names.join(" "));
    }
    let target = super::validate::target(pc, instr);
    match target {
        Some(t) => format!(" ; to {t}"),
        None => String::new(),
    }
}
