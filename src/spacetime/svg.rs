//! The space-time diagram as a self-contained SVG (placeholder until the panel's design is fixed).
