//! Criterion benchmarks for the hot paths of the IceVeil core (placeholder, filled in later).
fn main() {}
