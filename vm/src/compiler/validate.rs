//! Structural checks of prototypes: every operand in range, every jump inside the code,
//! lines for every instruction (or none, once stripped), consistent upvalue descriptors.
//! The compiler's tests run it on everything they compile; `load` runs it on binary chunks
//! so that bytes not made by `string.dump` cannot reach the executor.

use super::function::is_test;
use crate::bytecode::{FunctionProto, Instr, LocalSlot};

/// Checks `proto` and its children; returns a description of the first problem.
pub(super) fn validate(proto: &FunctionProto) -> Result<(), String> {
    check(proto).map_err(|e| format!("in '{}': {e}", proto.identity))?;
    for child in &proto.protos {
        for (i, u) in child.upvalues.iter().enumerate() {
            let limit = if u.from_parent_cell {
                proto.num_cells as usize
            } else {
                proto.upvalues.len()
            };
            if u.index as usize >= limit {
                return Err(format!(
                    "'{}' upvalue {i} ({}) index {} out of range",
                    child.identity, u.name, u.index
                ));
            }
        }
        validate(child)?;
    }
    Ok(())
}

fn check(p: &FunctionProto) -> Result<(), String> {
    // Stripped functions (`string.dump(f, true)`) have no line information at all.
    if !p.lines.is_empty() && p.lines.len() != p.code.len() {
        return Err(format!(
            "{} lines for {} instructions",
            p.lines.len(),
            p.code.len()
        ));
    }
    if !matches!(
        p.code.last(),
        Some(Instr::Return0 | Instr::Return { .. } | Instr::Return1 { .. })
    ) {
        return Err("does not end with a return".into());
    }
    if (p.num_params as usize) > p.max_registers as usize {
        return Err("parameters exceed registers".into());
    }
    let len = p.code.len() as i64;
    for (pc, instr) in p.code.iter().enumerate() {
        let at = |msg: String| format!("pc {pc} {instr:?}: {msg}");
        for r in registers(instr) {
            if r >= p.max_registers as u32 {
                return Err(at(format!("register {r} >= max {}", p.max_registers)));
            }
        }
        for k in constants(instr) {
            if k >= p.constants.len() {
                return Err(at(format!("constant {k} out of range")));
            }
        }
        if let Some(t) = target(pc, instr) {
            if t < 0 || t >= len {
                return Err(at(format!("jump target {t} outside 0..{len}")));
            }
        }
        match *instr {
            Instr::NewCell { cell, .. }
            | Instr::GetCell { cell, .. }
            | Instr::SetCell { cell, .. }
                if cell >= p.num_cells =>
            {
                return Err(at("cell out of range".into()));
            }
            Instr::GetUpval { up, .. }
            | Instr::SetUpval { up, .. }
            | Instr::GetTabUp { up, .. }
            | Instr::SetTabUp { up, .. }
            | Instr::SetTabUpK { up, .. }
                if up as usize >= p.upvalues.len() =>
            {
                return Err(at("upvalue out of range".into()));
            }
            Instr::Closure { proto, .. } if proto as usize >= p.protos.len() => {
                return Err(at("proto out of range".into()));
            }
            Instr::SetList { .. }
                if !matches!(p.code.get(pc + 1), Some(Instr::ExtraArg { .. })) =>
            {
                return Err(at("SetList without ExtraArg".into()));
            }
            Instr::LoadKX { .. } => match p.code.get(pc + 1) {
                Some(&Instr::ExtraArg { hi, lo })
                    if (Instr::extra_arg_value(hi, lo) as usize) < p.constants.len() => {}
                _ => return Err(at("LoadKX without a valid ExtraArg".into())),
            },
            // Skipping the next instruction must land inside the code (the last one is a
            // return, so nothing else can run off the end).
            Instr::LoadFalseSkip { .. } if pc + 2 >= p.code.len() => {
                return Err(at("skips past the end of the code".into()));
            }
            // A test skips or takes the jump that follows it.
            _ if is_test(instr) && !matches!(p.code.get(pc + 1), Some(Instr::Jmp { .. })) => {
                return Err(at("test not followed by a jump".into()));
            }
            _ => {}
        }
    }
    for l in &p.locals {
        if l.start_pc > l.end_pc || l.end_pc as usize > p.code.len() {
            return Err(format!(
                "local {} has range {}..{}",
                l.name, l.start_pc, l.end_pc
            ));
        }
        match l.slot {
            LocalSlot::Register(r) if r >= p.max_registers => {
                return Err(format!("local {} in register {r}", l.name))
            }
            LocalSlot::Cell(c) if c >= p.num_cells => {
                return Err(format!("local {} in cell {c}", l.name))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Where a jump-like instruction at `pc` goes.
pub(super) fn target(pc: usize, instr: &Instr) -> Option<i64> {
    let next = pc as i64 + 1;
    match *instr {
        Instr::Jmp { hi, lo } => Some(next + Instr::jump_offset(hi, lo) as i64),
        Instr::ForPrep { skip, .. } | Instr::TForPrep { skip, .. } => Some(next + skip as i64),
        Instr::ForLoop { back, .. } | Instr::TForLoop { back, .. } => Some(next - back as i64),
        _ => None,
    }
}

fn range(from: u8, count: u32) -> Vec<u32> {
    (from as u32..from as u32 + count).collect()
}

/// Every register an instruction reads or writes (multi-value forms: their fixed part).
fn registers(i: &Instr) -> Vec<u32> {
    use Instr::*;
    match *i {
        Move { a, b } | Unm { a, b } | BNot { a, b } | Not { a, b } | Len { a, b } => {
            vec![a as u32, b as u32]
        }
        LoadI { a, .. }
        | LoadF { a, .. }
        | LoadK { a, .. }
        | LoadKX { a }
        | LoadFalse { a }
        | LoadFalseSkip { a }
        | LoadTrue { a }
        | GetUpval { a, .. }
        | SetUpval { a, .. }
        | NewCell { a, .. }
        | GetCell { a, .. }
        | SetCell { a, .. }
        | GetTabUp { a, .. }
        | NewTable { a, .. }
        | Close { a }
        | Tbc { a }
        | Test { a, .. }
        | EqK { a, .. }
        | EqI { a, .. }
        | LtI { a, .. }
        | LeI { a, .. }
        | GtI { a, .. }
        | GeI { a, .. }
        | LtF { a, .. }
        | LeF { a, .. }
        | GtF { a, .. }
        | GeF { a, .. }
        | Return1 { a }
        | Closure { a, .. } => vec![a as u32],
        LoadNil { a, n } => range(a, n as u32 + 1),
        SetTabUp { b, .. } => vec![b as u32],
        SetTabUpK { .. } | Jmp { .. } | ExtraArg { .. } | Return0 => Vec::new(),
        GetTable { a, b, c } | SetTable { a, b, c } => vec![a as u32, b as u32, c as u32],
        GetI { a, b, .. }
        | GetField { a, b, .. }
        | SetTableK { a, b, .. }
        | AddI { a, b, .. }
        | SubI { a, b, .. }
        | IAdd { a, b, .. }
        | KAdd { a, b, .. }
        | KMul { a, b, .. }
        | AddK { a, b, .. }
        | SubK { a, b, .. }
        | MulK { a, b, .. }
        | ModK { a, b, .. }
        | PowK { a, b, .. }
        | DivK { a, b, .. }
        | IDivK { a, b, .. }
        | BAndK { a, b, .. }
        | BOrK { a, b, .. }
        | BXorK { a, b, .. }
        | ShrI { a, b, .. }
        | ShlI { a, b, .. }
        | Eq { a, b, .. }
        | Lt { a, b, .. }
        | Le { a, b, .. }
        | TestSet { a, b, .. } => vec![a as u32, b as u32],
        SetI { a, c, .. } | SetField { a, c, .. } => vec![a as u32, c as u32],
        SetIK { a, .. } | SetFieldK { a, .. } => vec![a as u32],
        SelfK { a, b, .. } => vec![a as u32, a as u32 + 1, b as u32],
        Add { a, b, c }
        | Sub { a, b, c }
        | Mul { a, b, c }
        | Mod { a, b, c }
        | Pow { a, b, c }
        | Div { a, b, c }
        | IDiv { a, b, c }
        | BAnd { a, b, c }
        | BOr { a, b, c }
        | BXor { a, b, c }
        | Shl { a, b, c }
        | Shr { a, b, c } => vec![a as u32, b as u32, c as u32],
        Concat { a, n } => range(a, n as u32),
        Call { a, b, c } => {
            let mut r = range(a, (b as u32).max(1));
            r.extend(range(a, (c as u32).saturating_sub(1)));
            r
        }
        TailCall { a, b } => range(a, (b as u32).max(1)),
        Return { a, b } => range(a, (b as u32).saturating_sub(1).max(1)),
        ForPrep { a, .. } | ForLoop { a, .. } => range(a, 4),
        TForPrep { a, .. } | TForLoop { a, .. } => range(a, 5),
        TForCall { a, c } => range(a, 4 + c as u32),
        SetList { a, n } => range(a, n as u32 + 1),
        Vararg { a, c } => range(a, (c as u32).saturating_sub(1).max(1)),
    }
}

/// The constant indices an instruction reads.
pub(super) fn constants(i: &Instr) -> Vec<usize> {
    use Instr::*;
    match *i {
        LoadK { k, .. } => vec![k as usize],
        GetTabUp { k, .. }
        | SetTabUp { k, .. }
        | GetField { k, .. }
        | SetField { k, .. }
        | SelfK { k, .. }
        | SetTableK { k, .. }
        | SetIK { k, .. }
        | AddK { k, .. }
        | KAdd { k, .. }
        | KMul { k, .. }
        | SubK { k, .. }
        | MulK { k, .. }
        | ModK { k, .. }
        | PowK { k, .. }
        | DivK { k, .. }
        | IDivK { k, .. }
        | BAndK { k, .. }
        | BOrK { k, .. }
        | BXorK { k, .. } => vec![k as usize],
        SetTabUpK { k, kv, .. } | SetFieldK { k, kv, .. } => vec![k as usize, kv as usize],
        EqK { kc, .. } => vec![kc as usize],
        _ => Vec::new(),
    }
}
