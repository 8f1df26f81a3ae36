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
}

/// Ratings per page of the ratings list.
pub const PAGE_SIZE: i64 = 25;

/// Longest reason for marking a rating invalid.
pub const MAX_INVALID_REASON: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;

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
