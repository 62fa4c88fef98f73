//! wayfinder-reload: the hot reload layer (module records, merge, reports) and diagnostics.
