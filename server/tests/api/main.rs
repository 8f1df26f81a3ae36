//! Integration tests: each test starts the real server on port 0 with a fresh database.
//! `KEFU_TEST_BACKEND=postgres` (with `KEFU_TEST_DATABASE_URL`) runs the same suite on PostgreSQL.

mod auth;
mod backoffice;
mod blocks;
mod canned;
mod chat;
mod colleagues;
mod companies;
mod console;
mod customers;
mod data;
mod details;
mod files;
mod frames;
mod gate;
mod geo;
mod headers;
mod helpers;
mod input;
mod invitations;
mod limits;
mod members;
mod presence;
mod privacy;
mod records;
mod registration;
mod routing;
mod sessions;
mod stats;
mod supervision;
mod tenancy;
