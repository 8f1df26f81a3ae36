//! Who answers a chat (issue 11): agents' status and capacity, the rules per site, and the queue.
//!
//! A conversation is opened without an agent, which puts it in the queue; the router then gives
//! queued conversations, oldest first, to agents who can take them. One pass of the router is one
//! database transaction that locks the candidate agents' rows (PostgreSQL) or holds the write gate
//! (SQLite), so two nodes never give an agent more than their limit, and a conversation is given
//! only while it still has no agent. Every event that may free room (a chat closed, an agent
//! online, a status change) runs a pass.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use kefu_protocol::text::Line;
use kefu_protocol::{AgentId, AgentStatus, ApiError, ErrorCode, RatingLevel, SiteId};
use serde::{Deserialize, Serialize};

/// The interface languages a rating label may be given in.
pub use crate::i18n::LANG_TAGS as LABEL_LANGS;
/// Longest rating level label, in characters.
pub const MAX_LEVEL_LABEL: usize = 20;
/// Largest queue a site may have.
pub const MAX_QUEUE_LIMIT: i64 = 10_000;

/// A site's routing and rating rules, as the routing page edits them.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct RoutingSettings {
    pub site_id: i64,
    /// The site's version when read (a save of an older one is `Stale`).
    pub version: i64,
    pub mode: RouteMode,
    pub queue_limit: i64,
    pub prefer_previous: bool,
    pub rating_enabled: bool,
    pub levels: Vec<RatingLevel>,
    /// The company's categories and each one's own mode (`None`: the site's).
    pub categories: Vec<CategoryRoute>,
    /// The site's welcome by language tag (a language without one gets the widget's own).
    #[serde(default)]
    pub welcome: Vec<(String, String)>,
    /// A conversation closes after the visitor has been silent this long (0: never); the visitor
    /// is warned `idle_warning_minutes` before.
    #[serde(default)]
    pub visitor_idle_minutes: i64,
    /// … or after the agent has been silent this long (0: never).
    #[serde(default)]
    pub agent_idle_minutes: i64,
    #[serde(default)]
    pub idle_warning_minutes: i64,
    /// The site's switchboard agent: new chats go to them first while they have room (a
    /// category's own switchboard comes first for its chats).
    #[serde(default)]
    pub switchboard_id: Option<i64>,
    /// Approval mode: the chosen agent accepts or declines each new chat within `approval_secs`.
    #[serde(default)]
    pub approval: bool,
    #[serde(default)]
    pub approval_secs: i64,
    /// The company's agents (id, name) the switchboard may be chosen from; read only.
    #[serde(default)]
    pub agents: Vec<(i64, String)>,
    /// Region routing (seed 004 section 13): a visitor goes first to the agents who serve their
    /// region (set per agent on the agents page), when one has room.
    #[serde(default)]
    pub region_routing: bool,
}

/// Shortest and longest time an agent has to answer an offer, in seconds.
pub const APPROVAL_SECS: std::ops::RangeInclusive<i64> = 5..=300;

/// Longest idle time a site may set, in minutes (a day).
pub const MAX_IDLE_MINUTES: i64 = 1440;

/// Longest welcome, in characters.
pub const MAX_WELCOME: usize = 300;

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CategoryRoute {
    pub id: i64,
    pub name: String,
    pub mode: Option<RouteMode>,
}

impl RoutingSettings {
    /// Checks what an admin sent: a queue limit within bounds, and 2 to 10 rating levels with
    /// distinct scores from 1 to 10, labels (in known languages) of at most 20 characters. The
    /// levels come back best first, without empty labels.
    pub fn parse(mut self) -> Result<RoutingSettings, ApiError> {
        if !(0..=MAX_QUEUE_LIMIT).contains(&self.queue_limit) {
            return Err(ApiError::invalid("queue_limit", ErrorCode::Format));
        }
        if !(2..=10).contains(&self.levels.len()) {
            return Err(ApiError::invalid("levels", ErrorCode::Format));
        }
        let mut seen = Vec::new();
        for level in &mut self.levels {
            if !(1..=10).contains(&level.score) || seen.contains(&level.score) {
                return Err(ApiError::invalid("levels", ErrorCode::Format));
            }
            seen.push(level.score);
            let mut labels = Vec::new();
            for (lang, text) in &level.labels {
                if !LABEL_LANGS.contains(&lang.as_str()) {
                    return Err(ApiError::invalid("levels", ErrorCode::Format));
                }
                let text = Line::parse(text, "levels", MAX_LEVEL_LABEL)?.into_string();
                if !text.is_empty() {
                    labels.push((lang.clone(), text));
                }
            }
            level.labels = labels;
        }
        self.levels.sort_by_key(|l| std::cmp::Reverse(l.score));
        let mut welcome = Vec::new();
        for (lang, text) in &self.welcome {
            if !LABEL_LANGS.contains(&lang.as_str()) {
                return Err(ApiError::invalid("welcome", ErrorCode::Format));
            }
            let text = Line::parse(text, "welcome", MAX_WELCOME)?.into_string();
            if !text.is_empty() {
                welcome.push((lang.clone(), text));
            }
        }
        self.welcome = welcome;
        for (field, minutes) in [
            ("visitor_idle_minutes", self.visitor_idle_minutes),
            ("agent_idle_minutes", self.agent_idle_minutes),
            ("idle_warning_minutes", self.idle_warning_minutes),
        ] {
            if !(0..=MAX_IDLE_MINUTES).contains(&minutes) {
                return Err(ApiError::invalid(field, ErrorCode::Format));
            }
        }
        if self.visitor_idle_minutes > 0 && self.idle_warning_minutes >= self.visitor_idle_minutes {
            return Err(ApiError::invalid("idle_warning_minutes", ErrorCode::Format));
        }
        if !APPROVAL_SECS.contains(&self.approval_secs) {
            return Err(ApiError::invalid("approval_secs", ErrorCode::Format));
        }
        Ok(self)
    }
}

/// How a site (or a category) shares new chats among the agents who can take them.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RouteMode {
    /// Fewest open chats; ties go to whoever waited longest since their last chat.
    #[default]
    LeastBusy,
    /// Each agent in turn: whoever waited longest since their last chat.
    RoundRobin,
    Random,
}

impl RouteMode {
    pub const ALL: [RouteMode; 3] = [RouteMode::LeastBusy, RouteMode::RoundRobin, RouteMode::Random];

    pub fn as_str(self) -> &'static str {
        match self {
            RouteMode::LeastBusy => "least_busy",
            RouteMode::RoundRobin => "round_robin",
            RouteMode::Random => "random",
        }
    }

    pub fn parse(s: &str) -> Option<RouteMode> {
        RouteMode::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// An agent the router may give chats to, as one pass sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub id: AgentId,
    pub name: String,
    pub chosen: AgentStatus,
    /// Concurrent chats allowed (the admin's limit, or the agent's own lower one).
    pub max_chats: i64,
    /// Open conversations the agent serves now.
    pub open: i64,
    pub last_assigned_at: i64,
    /// `None`: every site of the company; otherwise the agent's own sites.
    pub sites: Option<Vec<SiteId>>,
    pub categories: Vec<i64>,
    /// Said to a visitor when this agent takes their chat (empty: the site's welcome).
    pub welcome: String,
    /// The regions they serve first (countries and provinces), for region routing.
    pub regions: Vec<String>,
}

impl Candidate {
    pub fn serves(&self, site: SiteId, category: Option<i64>) -> bool {
        self.sites.as_ref().is_none_or(|s| s.contains(&site)) && category.is_none_or(|c| self.categories.contains(&c))
    }

    pub fn has_room(&self) -> bool {
        self.chosen.takes_chats() && self.open < self.max_chats
    }

    /// Whether they serve visitors from `region` (a country, `CN`, or a province, `CN-GD`) first:
    /// they serve it, or the country it is in.
    pub fn serves_region(&self, region: &str) -> bool {
        self.regions
            .iter()
            .any(|code| region.strip_prefix(code.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('-')))
    }
}

/// What a chat asks of the agent who gets it.
#[derive(Clone, Copy, Debug)]
pub struct Need<'a> {
    pub site: SiteId,
    pub category: Option<i64>,
    /// The visitor's region code when the site routes by region (`None`: off, or unknown).
    pub region: Option<&'a str>,
}

/// Picks who gets a chat among `agents`, leaving out `skip` (those who declined it): the
/// preferred agent (a switchboard, or the visitor's previous agent) when `previous` names one with
/// room; otherwise, when the chat has a region, the agents who serve that region if one has room;
/// then by `mode`. `roll` is a random number for [`RouteMode::Random`]. Returns an index into
/// `agents`.
pub fn pick(
    agents: &[Candidate],
    need: Need,
    mode: RouteMode,
    previous: Option<AgentId>,
    skip: &[AgentId],
    roll: u64,
) -> Option<usize> {
    let mut able: Vec<usize> = (0..agents.len())
        .filter(|&i| {
            agents[i].has_room() && agents[i].serves(need.site, need.category) && !skip.contains(&agents[i].id)
        })
        .collect();
    if let Some(i) = previous.and_then(|p| able.iter().copied().find(|&i| agents[i].id == p)) {
        return Some(i);
    }
    if let Some(region) = need.region {
        let local: Vec<usize> = able.iter().copied().filter(|&i| agents[i].serves_region(region)).collect();
        if !local.is_empty() {
            able = local;
        }
    }
    match mode {
        RouteMode::LeastBusy => {
            able.into_iter().min_by_key(|&i| (agents[i].open, agents[i].last_assigned_at, agents[i].id))
        }
        RouteMode::RoundRobin => able.into_iter().min_by_key(|&i| (agents[i].last_assigned_at, agents[i].id)),
        RouteMode::Random => (!able.is_empty()).then(|| able[(roll % able.len() as u64) as usize]),
    }
}

/// Seconds a visitor at `position` in the queue may wait: the recent average handling time per
/// chat, spread over the chats the agents can hold at once. `None` without history.
pub fn estimate_wait(position: u32, average_handle_ms: Option<i64>, capacity: i64) -> Option<u32> {
    let average = average_handle_ms.filter(|a| *a > 0)?;
    let per_slot = average as f64 / capacity.max(1) as f64;
    Some(((position as f64 * per_slot) / 1000.0).ceil().min(u32::MAX as f64) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(levels: Vec<RatingLevel>) -> RoutingSettings {
        RoutingSettings { queue_limit: 50, levels, approval_secs: 30, ..Default::default() }
    }

    fn level(score: u8, labels: &[(&str, &str)]) -> RatingLevel {
        let labels = labels.iter().map(|(l, t)| (l.to_string(), t.to_string())).collect();
        RatingLevel { score, labels, comment_required: false }
    }

    #[test]
    fn routing_settings_keep_levels_distinct_bounded_and_best_first() {
        let ok =
            settings(vec![level(1, &[("zh-CN", " 差 "), ("en", "")]), level(3, &[]), level(2, &[])]).parse().unwrap();
        assert_eq!(ok.levels.iter().map(|l| l.score).collect::<Vec<_>>(), [3, 2, 1]);
        assert_eq!(ok.levels[2].labels, vec![("zh-CN".to_string(), "差".to_string())]);
        let bad = |levels| settings(levels).parse().unwrap_err();
        assert_eq!(bad(vec![level(1, &[])]), ApiError::invalid("levels", ErrorCode::Format));
        assert_eq!(bad(vec![level(1, &[]), level(1, &[])]), ApiError::invalid("levels", ErrorCode::Format));
        assert_eq!(bad(vec![level(0, &[]), level(1, &[])]), ApiError::invalid("levels", ErrorCode::Format));
        assert_eq!(
            bad(vec![level(2, &[("fr", "bien")]), level(1, &[])]),
            ApiError::invalid("levels", ErrorCode::Format)
        );
        assert!(settings(vec![level(2, &[("ja", &"長".repeat(21))]), level(1, &[])]).parse().is_err());
        let mut big = settings(vec![level(2, &[]), level(1, &[])]);
        big.queue_limit = MAX_QUEUE_LIMIT + 1;
        assert_eq!(big.parse().unwrap_err(), ApiError::invalid("queue_limit", ErrorCode::Format));
        let mut late = settings(vec![level(2, &[]), level(1, &[])]);
        (late.visitor_idle_minutes, late.idle_warning_minutes) = (5, 5);
        assert_eq!(late.parse().unwrap_err(), ApiError::invalid("idle_warning_minutes", ErrorCode::Format));
    }

    fn agent(id: i64, open: i64, last: i64) -> Candidate {
        Candidate {
            id: AgentId(id),
            name: format!("a{id}"),
            chosen: AgentStatus::Online,
            max_chats: 3,
            open,
            last_assigned_at: last,
            sites: None,
            categories: vec![],
            welcome: String::new(),
            regions: vec![],
        }
    }

    const SITE: SiteId = SiteId(1);

    fn need(category: Option<i64>) -> Need<'static> {
        Need { site: SITE, category, region: None }
    }

    #[test]
    fn least_busy_takes_fewest_open_chats_then_longest_idle() {
        let agents = vec![agent(1, 2, 10), agent(2, 1, 50), agent(3, 1, 20)];
        assert_eq!(pick(&agents, need(None), RouteMode::LeastBusy, None, &[], 0), Some(2));
    }

    #[test]
    fn round_robin_takes_turns_whatever_the_load() {
        let mut agents = vec![agent(1, 0, 30), agent(2, 2, 10), agent(3, 0, 20)];
        let mut order = Vec::new();
        for now in 100..106 {
            let i = pick(&agents, need(None), RouteMode::RoundRobin, None, &[], 0).unwrap();
            order.push(agents[i].id.0);
            agents[i].last_assigned_at = now;
            agents[i].open += 1;
        }
        // Agent 2 fills up at three chats; the others keep their turns.
        assert_eq!(order, vec![2, 3, 1, 3, 1, 3]);
    }

    #[test]
    fn random_spreads_over_everyone_able() {
        let agents = vec![agent(1, 0, 0), agent(2, 3, 0), agent(3, 0, 0)];
        let picked: std::collections::HashSet<i64> = (0..10)
            .map(|roll| agents[pick(&agents, need(None), RouteMode::Random, None, &[], roll).unwrap()].id.0)
            .collect();
        assert_eq!(picked, [1, 3].into_iter().collect());
    }

    #[test]
    fn only_agents_with_room_in_a_taking_status_on_the_site_and_category() {
        let mut agents = vec![agent(1, 3, 0), agent(2, 0, 0), agent(3, 0, 0), agent(4, 0, 0), agent(5, 0, 0)];
        agents[1].chosen = AgentStatus::Away;
        agents[2].sites = Some(vec![SiteId(2)]);
        agents[3].categories = vec![7];
        agents[4].chosen = AgentStatus::Invisible;
        agents[4].categories = vec![7];
        assert_eq!(pick(&agents, need(Some(7)), RouteMode::LeastBusy, None, &[], 0).map(|i| agents[i].id.0), Some(4));
        agents[3].chosen = AgentStatus::Busy;
        assert_eq!(pick(&agents, need(Some(7)), RouteMode::LeastBusy, None, &[], 0).map(|i| agents[i].id.0), Some(5));
        agents[4].open = 3;
        assert_eq!(pick(&agents, need(Some(7)), RouteMode::LeastBusy, None, &[], 0), None);
    }

    #[test]
    fn the_previous_agent_comes_first_when_they_have_room() {
        let mut agents = vec![agent(1, 0, 0), agent(2, 2, 0)];
        assert_eq!(pick(&agents, need(None), RouteMode::LeastBusy, Some(AgentId(2)), &[], 0), Some(1));
        agents[1].open = 3;
        assert_eq!(pick(&agents, need(None), RouteMode::LeastBusy, Some(AgentId(2)), &[], 0), Some(0));
    }

    #[test]
    fn agents_who_declined_are_left_out() {
        let agents = vec![agent(1, 0, 0), agent(2, 1, 0)];
        assert_eq!(pick(&agents, need(None), RouteMode::LeastBusy, None, &[AgentId(1)], 0), Some(1));
        assert_eq!(pick(&agents, need(None), RouteMode::LeastBusy, Some(AgentId(1)), &[AgentId(1)], 0), Some(1));
        assert_eq!(pick(&agents, need(None), RouteMode::LeastBusy, None, &[AgentId(1), AgentId(2)], 0), None);
    }

    #[test]
    fn agents_of_the_visitors_region_come_first_while_one_has_room() {
        let mut agents = vec![agent(1, 0, 0), agent(2, 2, 0), agent(3, 1, 0)];
        agents[1].regions = vec!["CN-GD".into()];
        agents[2].regions = vec!["CN".into()];
        let in_gd = Need { region: Some("CN-GD"), ..need(None) };
        // Agents 2 (Guangdong) and 3 (all of China) serve Guangdong; 3 is less busy.
        assert_eq!(pick(&agents, in_gd, RouteMode::LeastBusy, None, &[], 0).map(|i| agents[i].id.0), Some(3));
        agents[2].open = 3;
        assert_eq!(pick(&agents, in_gd, RouteMode::LeastBusy, None, &[], 0).map(|i| agents[i].id.0), Some(2));
        // Nobody of the region has room: the normal rules.
        agents[1].open = 3;
        assert_eq!(pick(&agents, in_gd, RouteMode::LeastBusy, None, &[], 0).map(|i| agents[i].id.0), Some(1));
        // A region nobody serves, or region routing off: the normal rules.
        agents[1].open = 0;
        let in_tokyo = Need { region: Some("JP-13"), ..need(None) };
        // "CN" covers its provinces, not countries whose code starts alike.
        agents[2].regions = vec!["C".into()];
        assert!(!agents[2].serves_region("CN-GD"));
        assert_eq!(pick(&agents, in_tokyo, RouteMode::LeastBusy, None, &[], 0).map(|i| agents[i].id.0), Some(1));
        assert_eq!(pick(&agents, need(None), RouteMode::LeastBusy, None, &[], 0).map(|i| agents[i].id.0), Some(1));
        // The visitor's previous agent still comes first.
        assert_eq!(
            pick(&agents, in_gd, RouteMode::LeastBusy, Some(AgentId(1)), &[], 0).map(|i| agents[i].id.0),
            Some(1)
        );
    }

    #[test]
    fn waits_are_estimated_from_handling_times_and_capacity() {
        assert_eq!(estimate_wait(3, Some(120_000), 6), Some(60));
        assert_eq!(estimate_wait(1, None, 6), None);
        assert_eq!(estimate_wait(1, Some(1), 0), Some(1));
    }
}
