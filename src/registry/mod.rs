//! The protocols this build knows, and the one handle that runs any of them ([`any::AnySim`]).

pub mod any;
pub mod run;
