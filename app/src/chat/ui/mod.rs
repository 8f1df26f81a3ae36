//! The chat area's parts of the workbench: the list of open conversations and the chat panel.

mod list;
mod panel;
mod shortcuts;

pub use list::ConversationList;
pub use panel::ChatPanel;
pub use shortcuts::Shortcuts;
