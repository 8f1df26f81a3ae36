//! Visitors of a company's sites: recognising them again (first-party token), their visits, and
//! what they look at (page views). Who is online right now is live state, held by the server's hub
//! (and Redis in a cluster); this area owns the stored side: the `visitors` and `page_views` tables.

#[cfg(feature = "ssr")]
pub mod channel;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod source;
pub mod ui;

#[cfg(feature = "ssr")]
pub use stored::*;

#[cfg(feature = "ssr")]
mod stored {
    use kefu_protocol::{ConversationId, VisitorId};

    #[derive(Clone, Debug)]
    pub struct Visitor {
        pub id: VisitorId,
        pub name: Option<String>,
        pub first_seen: i64,
        pub visits: i64,
        /// Their newest conversation, read with them (a reconnect costs one query).
        pub latest: Option<Latest>,
    }

    /// A visitor's newest conversation, as far as their socket needs it.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Latest {
        pub id: ConversationId,
        pub last_seq: i64,
        /// Up to which message agents have read it.
        pub agent_read_seq: i64,
        pub open: bool,
        /// Who has it (`None`: nobody, or it is closed).
        pub agent_name: Option<String>,
    }

    impl Latest {
        /// Where a visitor with this latest conversation stands with chat.
        pub fn chat(latest: Option<&Latest>) -> (kefu_protocol::VisitorChat, Option<String>) {
            use kefu_protocol::VisitorChat;
            match latest {
                None => (VisitorChat::None, None),
                Some(l) if !l.open => (VisitorChat::Chatted, None),
                Some(l) => match &l.agent_name {
                    Some(name) => (VisitorChat::Chatting, Some(name.clone())),
                    None => (VisitorChat::Waiting, None),
                },
            }
        }
    }

    /// A returning visitor as stored, before this visit is counted.
    #[derive(Clone, Debug)]
    pub struct Known {
        pub visitor: Visitor,
        pub last_seen: i64,
    }
}
