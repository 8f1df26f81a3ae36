pub mod login;
pub mod workbench;
