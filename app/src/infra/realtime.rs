//! How services reach browsers. The server crate's hub implements [`Realtime`] (alone, or through
//! the cluster link when `REDIS_URL` is set), and [`super::state::AppState`] carries it, so a chat
//! service called from a socket and a server function called over HTTP push frames the same way,
//! and an admin action can close an agent's sockets.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Arc;

use kefu_protocol::{AgentId, Perm, SiteId, TenantId, ToAgent, ToVisitor, VisitorId};

/// One connection of this node (an agent console or a visitor tab).
pub type ConnId = u64;

/// Which of an agent's sockets to close.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentSockets {
    /// Every socket of the agent, on every node (the agent was disabled, their role changed).
    All,
    /// The sockets opened with one session (it was signed out), by the session's token hash.
    Session(String),
    /// Every socket but those of one session (the agent changed their own password there).
    AllBut(String),
}

impl AgentSockets {
    /// Whether a socket opened with `session` (a token hash) is one of these.
    pub fn includes(&self, session: &str) -> bool {
        match self {
            AgentSockets::All => true,
            AgentSockets::Session(hash) => hash == session,
            AgentSockets::AllBut(hash) => hash != session,
        }
    }

    /// One word for messages between nodes: `*`, the hash, or `!` and the hash.
    pub fn to_word(&self) -> String {
        match self {
            AgentSockets::All => "*".into(),
            AgentSockets::Session(hash) => hash.clone(),
            AgentSockets::AllBut(hash) => format!("!{hash}"),
        }
    }

    pub fn from_word(word: &str) -> AgentSockets {
        match word {
            "*" => AgentSockets::All,
            _ => match word.strip_prefix('!') {
                Some(hash) => AgentSockets::AllBut(hash.to_owned()),
                None => AgentSockets::Session(word.to_owned()),
            },
        }
    }
}

/// Who hears a conversation's messages among the agents: while it waits, everyone who may serve
/// chats on its site (any of them may take it); once it has an agent, that agent, the colleagues
/// who joined it, and those who may monitor chats on the site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audience {
    pub site: SiteId,
    pub owner: Option<AgentId>,
    pub guests: Vec<AgentId>,
}

impl Audience {
    /// Whether a console of `agent`, whose role grants `perms` with `scopes`, hears it.
    pub fn hears(&self, agent: AgentId, perms: &[Perm], scopes: &crate::infra::ctx::Scopes) -> bool {
        let may = |perm: Perm| perms.contains(&perm) && scopes.allows(perm, self.site);
        match self.owner {
            None => may(Perm::ChatServe),
            Some(owner) => {
                ((agent == owner || self.guests.contains(&agent)) && may(Perm::ChatServe)) || may(Perm::MonitorChats)
            }
        }
    }

    /// The audience as one line for another node: `site owner guests` (`-` for none).
    pub fn to_words(&self) -> String {
        let owner = self.owner.map_or_else(|| "-".to_owned(), |a| a.to_string());
        let guests = if self.guests.is_empty() {
            "-".to_owned()
        } else {
            self.guests.iter().map(|g| g.to_string()).collect::<Vec<_>>().join(",")
        };
        format!("{} {owner} {guests}", self.site)
    }

    /// The audience from [`Audience::to_words`]' three words.
    pub fn from_words(site: &str, owner: &str, guests: &str) -> Option<Audience> {
        let owner = if owner == "-" { None } else { Some(AgentId(owner.parse().ok()?)) };
        let guests = if guests == "-" {
            Vec::new()
        } else {
            guests.split(',').map(|g| g.parse().ok().map(AgentId)).collect::<Option<_>>()?
        };
        Some(Audience { site: SiteId(site.parse().ok()?), owner, guests })
    }
}

/// Whom a company's sites take no chat from now (its blocks, `crate::blocks`).
pub trait Gate: Send + Sync {
    /// Whether the visitor of `site`, connected from `ip`, is shut out at `now` (Unix ms).
    fn shuts(&self, site: SiteId, visitor: VisitorId, ip: IpAddr, now: i64) -> bool;
}

/// Frames to browsers, after whatever they announce is committed. Delivery is best effort: a
/// client that misses a frame catches up by sequence.
pub trait Realtime: Send + Sync + 'static {
    /// To every agent console of the tenant whose role grants `needs` and whose site scope
    /// includes `site` (`None`: any site), except `skip` (a connection of this node). The outbound
    /// side of the permission gate: a console hears only what its role may see.
    fn to_agents(&self, tenant: TenantId, site: Option<SiteId>, needs: Perm, frame: &ToAgent, skip: Option<ConnId>);
    /// To every console of one agent, on every node.
    fn to_agent(&self, tenant: TenantId, agent: AgentId, frame: &ToAgent);
    /// To the consoles that hear a conversation (see [`Audience`]), except `skip`.
    fn to_audience(&self, tenant: TenantId, audience: &Audience, frame: &ToAgent, skip: Option<ConnId>);
    /// To every open tab of the visitor, except `skip`.
    fn to_visitor(&self, tenant: TenantId, visitor: VisitorId, frame: &ToVisitor, skip: Option<ConnId>);
    /// Closes an agent's sockets (with a close frame saying why); their consoles reconnect, and are
    /// refused if the session or the agent is no longer valid.
    fn close_agent(&self, tenant: TenantId, agent: AgentId, which: AgentSockets, reason: &'static str);
    /// The tenant's agents with a workbench open, on any node (or closed within the grace period).
    fn online_agents(&self, tenant: TenantId) -> BoxFuture<'_, HashSet<AgentId>>;
    /// Tells the site's visitors, on every node, whether anyone is there to answer, unless that is
    /// what they were last told.
    fn site_availability(&self, tenant: TenantId, site: SiteId, online: bool);
    /// What the site's visitors were last told (`None`: nothing yet on this node).
    fn known_availability(&self, tenant: TenantId, site: SiteId) -> Option<bool>;
    /// The company's blocks changed (`gate`: those now in force): each node tells the visitors it
    /// holds who are now shut out, or no longer, and shows agents which visitors are blocked. Other
    /// nodes read the blocks themselves.
    fn blocks_changed(&self, tenant: TenantId, gate: Arc<dyn Gate>);
    /// A visitor's card changed (an agent renamed them, the site identified them): agents see the
    /// name and the member id, on every node.
    fn visitor_renamed(&self, tenant: TenantId, visitor: VisitorId, name: Option<String>, member: Option<String>);
    /// Closes a visitor's sockets on every node (close reason "record changed"): their record was
    /// erased or merged into another, so the widget reconnects and is whoever its token now names
    /// (a new visitor, or the record it was merged into).
    fn close_visitor(&self, tenant: TenantId, visitor: VisitorId);
}

/// A boxed future that may cross threads.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// A realtime handle that reaches nobody: for tools and tests that run services without sockets.
pub struct Nobody;

impl Realtime for Nobody {
    fn to_agents(&self, _: TenantId, _: Option<SiteId>, _: Perm, _: &ToAgent, _: Option<ConnId>) {}
    fn to_agent(&self, _: TenantId, _: AgentId, _: &ToAgent) {}
    fn to_audience(&self, _: TenantId, _: &Audience, _: &ToAgent, _: Option<ConnId>) {}
    fn to_visitor(&self, _: TenantId, _: VisitorId, _: &ToVisitor, _: Option<ConnId>) {}
    fn close_agent(&self, _: TenantId, _: AgentId, _: AgentSockets, _: &'static str) {}
    fn online_agents(&self, _: TenantId) -> BoxFuture<'_, HashSet<AgentId>> {
        Box::pin(async { HashSet::new() })
    }
    fn site_availability(&self, _: TenantId, _: SiteId, _: bool) {}
    fn known_availability(&self, _: TenantId, _: SiteId) -> Option<bool> {
        None
    }
    fn blocks_changed(&self, _: TenantId, _: Arc<dyn Gate>) {}
    fn visitor_renamed(&self, _: TenantId, _: VisitorId, _: Option<String>, _: Option<String>) {}
    fn close_visitor(&self, _: TenantId, _: VisitorId) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::ctx::Scopes;

    #[test]
    fn a_waiting_chat_reaches_who_may_take_it_and_an_assigned_one_its_agents_and_monitors() {
        let all = Scopes::default();
        let serve = [Perm::ChatServe];
        let monitor = [Perm::ChatServe, Perm::MonitorChats];
        let waiting = Audience { site: SiteId(1), owner: None, guests: vec![] };
        assert!(waiting.hears(AgentId(7), &serve, &all));
        assert!(!waiting.hears(AgentId(7), &[Perm::VisitorsView], &all));
        let taken = Audience { site: SiteId(1), owner: Some(AgentId(1)), guests: vec![AgentId(2)] };
        assert!(taken.hears(AgentId(1), &serve, &all));
        assert!(taken.hears(AgentId(2), &serve, &all));
        assert!(!taken.hears(AgentId(3), &serve, &all), "a colleague without monitoring");
        assert!(taken.hears(AgentId(3), &monitor, &all));
        let back = Audience::from_words("1", "1", "2").unwrap();
        assert_eq!(back, taken);
        let words = taken.to_words();
        let w: Vec<&str> = words.split(' ').collect();
        assert_eq!(Audience::from_words(w[0], w[1], w[2]), Some(taken));
        assert_eq!(Audience::from_words("1", "-", "-"), Some(waiting));
        assert_eq!(Audience::from_words("x", "-", "-"), None);
    }
}
