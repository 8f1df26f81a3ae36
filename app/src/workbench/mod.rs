//! The workbench shell that composes the areas: top bar, navigation (only what the agent's role
//! permits), one page per area route, and the live socket state ([`live`]) every page reads.

pub mod live;
pub mod ui;
