//! AST → [`crate::bytecode::FunctionProto`]. (Being written.)
