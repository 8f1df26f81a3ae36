//! Visitors' ratings of conversations (seed 000 16.4.4, 16.6): each site's scale (on or off, the
//! levels and which need a comment), one rating per conversation that the visitor may change until
//! a day after it ended, and admins marking a rating invalid (kept, left out of reports) or
//! clearing a period's ratings.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use kefu_protocol::text::Line;
use kefu_protocol::{ApiError, ConversationId, ErrorCode, RatingLevel, MAX_RATING_COMMENT};
use serde::{Deserialize, Serialize};

/// How long after a conversation ended its rating may still change.
pub const CHANGE_WINDOW_MS: i64 = 24 * 3600 * 1000;

/// The five levels a site starts with: 5 (best) to 1, a comment required for the two lowest.
pub fn default_levels() -> Vec<RatingLevel> {
    (1..=5).rev().map(|score| RatingLevel { score, labels: Vec::new(), comment_required: score <= 2 }).collect()
}

/// A rating as the visitor sent it, checked against the site's levels: the score must be one of
/// them, and a level that requires a comment gets one. Returns the comment, trimmed.
pub fn check_rating(levels: &[RatingLevel], score: u8, comment: &str) -> Result<String, ApiError> {
    let level =
        levels.iter().find(|l| l.score == score).ok_or_else(|| ApiError::invalid("score", ErrorCode::Format))?;
    let comment = Line::parse(comment.trim(), "comment", MAX_RATING_COMMENT)?.into_string();
    if level.comment_required && comment.is_empty() {
        return Err(ApiError::invalid("comment", ErrorCode::Required));
    }
    Ok(comment)
}

/// Whether a rating may still be given or changed: while the conversation is open, and for a day
/// after it ended.
pub fn may_rate(closed_at: Option<i64>, now: i64) -> bool {
    closed_at.is_none_or(|closed| now <= closed + CHANGE_WINDOW_MS)
}

/// A rating as the ratings page lists it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RatingRow {
    pub conversation_id: ConversationId,
    pub site_name: String,
    pub agent_name: Option<String>,
    pub visitor_name: Option<String>,
    pub visitor_id: i64,
    pub score: u8,
    pub comment: String,
    pub rated_at: i64,
    pub invalid: bool,
    pub invalid_reason: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct RatingPage {
    pub rows: Vec<RatingRow>,
    pub total: i64,
    /// The average score of the valid ratings listed by the filter (`None`: none).
    pub average: Option<f64>,
    /// Every agent rated in the period (whatever the agent filter), by name.
    #[serde(default)]
    pub per_agent: Vec<AgentRatings>,
}

/// One agent's ratings in a period (seed 000 16.6 "客服评分", seed 004 section 14 "客服评价").
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct AgentRatings {
    /// `None`: chats that ended with no agent.
    pub agent_id: Option<i64>,
    pub agent_name: Option<String>,
    /// Valid ratings per score, highest score first.
    pub by_score: Vec<(u8, i64)>,
    pub invalid: i64,
    /// Of the valid ones.
    pub average: Option<f64>,
}

impl AgentRatings {
    pub fn valid(&self) -> i64 {
        self.by_score.iter().map(|(_, n)| n).sum()
    }
}

/// How many ratings an agent got with one score, valid or not: `(agent, name, score, invalid, count)`.
pub type RatingCount = (Option<i64>, Option<String>, u8, bool, i64);

/// Gathers [`RatingCount`]s into one [`AgentRatings`] per agent, by name (no agent last).
pub fn per_agent(rows: Vec<RatingCount>) -> Vec<AgentRatings> {
    let mut agents: Vec<AgentRatings> = Vec::new();
    for (agent_id, agent_name, score, invalid, n) in rows {
        let i = match agents.iter().position(|a| a.agent_id == agent_id) {
            Some(i) => i,
            None => {
                agents.push(AgentRatings { agent_id, agent_name, ..AgentRatings::default() });
                agents.len() - 1
            }
        };
        let a = &mut agents[i];
        if invalid {
            a.invalid += n;
        } else {
            match a.by_score.iter_mut().find(|(s, _)| *s == score) {
                Some((_, count)) => *count += n,
                None => a.by_score.push((score, n)),
            }
        }
    }
    for a in &mut agents {
        a.by_score.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
        let (valid, sum) = a.by_score.iter().fold((0, 0), |(v, s), (score, n)| (v + n, s + i64::from(*score) * n));
        a.average = (valid > 0).then(|| sum as f64 / valid as f64);
    }
    agents.sort_by_key(|a| (a.agent_name.is_none(), a.agent_name.clone()));
    agents
}

/// Ratings per page of the ratings list.
pub const PAGE_SIZE: i64 = 25;

/// Longest reason for marking a rating invalid.
pub const MAX_INVALID_REASON: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_gather_per_agent_with_the_valid_ones_by_score_and_their_average() {
        let rows = vec![
            (Some(2), Some("Bob".to_owned()), 5, false, 2),
            (Some(1), Some("Ann".to_owned()), 2, false, 1),
            (Some(2), Some("Bob".to_owned()), 1, true, 3),
            (Some(2), Some("Bob".to_owned()), 3, false, 1),
            (None, None, 4, false, 1),
        ];
        let agents = per_agent(rows);
        let names: Vec<Option<&str>> = agents.iter().map(|a| a.agent_name.as_deref()).collect();
        assert_eq!(names, [Some("Ann"), Some("Bob"), None]);
        let bob = &agents[1];
        assert_eq!(bob.by_score, [(5, 2), (3, 1)]);
        assert_eq!((bob.valid(), bob.invalid), (3, 3));
        assert_eq!(bob.average, Some(13.0 / 3.0));
        assert_eq!(agents[0].average, Some(2.0));
    }

    #[test]
    fn low_scores_need_a_comment_and_unknown_scores_are_refused() {
        let levels = default_levels();
        assert_eq!(levels.iter().map(|l| l.score).collect::<Vec<_>>(), vec![5, 4, 3, 2, 1]);
        assert_eq!(check_rating(&levels, 5, "  ").unwrap(), "");
        assert_eq!(check_rating(&levels, 2, ""), Err(ApiError::invalid("comment", ErrorCode::Required)));
        assert_eq!(check_rating(&levels, 2, " 等太久了 ").unwrap(), "等太久了");
        assert_eq!(check_rating(&levels, 6, "great"), Err(ApiError::invalid("score", ErrorCode::Format)));
        assert!(check_rating(&levels, 4, &"长".repeat(MAX_RATING_COMMENT + 1)).is_err());
    }

    #[test]
    fn ratings_change_until_a_day_after_the_end() {
        assert!(may_rate(None, 1_000));
        assert!(may_rate(Some(1_000), 1_000 + CHANGE_WINDOW_MS));
        assert!(!may_rate(Some(1_000), 1_001 + CHANGE_WINDOW_MS));
    }
}
