//! Locating and initialising ONNX Runtime.
