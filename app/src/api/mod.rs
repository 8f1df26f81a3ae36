//! Server functions: thin adapters that authorize, call a service in `ssr/` and map the error.
//! Endpoints are named explicitly so their URLs do not change with the code layout.

pub mod auth;
pub mod sites;
