//! Sign-in, sessions and company setup: who may use the workbench.
//!
//! Owns the `tenants`, `agents` (their credentials), `roles` (built-in ones, for now) and `sessions`
//! tables. Resolving a session into an identity is `infra::ctx` (every area needs it); this area
//! creates and ends sessions. It never decides what an agent may do beyond signing in: that is the
//! role's permissions, checked by `Ctx::require`.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod setup;
pub mod ui;
