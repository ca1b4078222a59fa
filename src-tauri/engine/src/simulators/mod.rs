//! The outside world, simulated: Demo Maya (a commandPort server with a toy
//! interpreter) and the Mosketch streaming server. Demo mode, `mayalink serve`, the
//! CLI's `mosketch-sim` and the tests use them; the links in `maya/` and `mosketch/`
//! never depend on them.

pub mod demo_maya;
pub mod mosketch;

pub use demo_maya::DemoMaya;
pub use mosketch::{MosketchSimulator, SimConfig, SimFraming, SimSettings};
