//! The workbench shell that composes the areas: top bar, navigation (only what the agent's role
//! permits), one page per area route. It owns the agent socket's state (`kit::live::Live`) for as
//! long as the shell lives, so moving between pages keeps the socket and the chats.

pub mod ui;
