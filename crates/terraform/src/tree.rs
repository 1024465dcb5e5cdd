//! tree (todo)
