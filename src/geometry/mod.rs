//! Pure angle maths on landmarks with nalgebra: no I/O, no ort, no egui. Radians inside,
//! degrees only at the edges.
