mod geometry;
mod posture;
