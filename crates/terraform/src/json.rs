//! tollgate JSON schema (todo)
