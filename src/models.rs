//! The model files: manifest, verification, sessions.
