//! The egui/eframe overlay.
