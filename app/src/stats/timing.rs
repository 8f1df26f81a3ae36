//! How chats were handled, from a day's conversations and their messages: the first response,
//! every response, the chat's length and the wait in the queue, for the site, each agent and each
//! category, kept as histograms so days add up and percentiles come out of the sum. Pure: the rows
//! in, the figures out.

use std::collections::{BTreeMap, HashMap};

use super::{Spread, TimingMetric};

/// A histogram bucket for a duration: to the second under a minute, ten seconds under ten minutes,
/// a minute under an hour, a quarter of an hour under a day, then a day (its lower bound, in
/// seconds).
pub fn bucket(ms: i64) -> i64 {
    let s = ms.max(0) / 1000;
    match s {
        0..60 => s,
        60..600 => s / 10 * 10,
        600..3600 => s / 60 * 60,
        3600..86400 => s / 900 * 900,
        _ => 86400,
    }
}

/// Durations (or, for counts, only how many), as rolled up and as summed over days.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timing {
    pub count: i64,
    pub sum_ms: i64,
    /// Bucket (seconds) → how many.
    pub buckets: BTreeMap<i64, i64>,
}

impl Timing {
    pub fn add(&mut self, ms: i64) {
        self.count += 1;
        self.sum_ms += ms.max(0);
        *self.buckets.entry(bucket(ms)).or_default() += 1;
    }

    pub fn merge(&mut self, other: &Timing) {
        self.count += other.count;
        self.sum_ms += other.sum_ms;
        for (b, n) in &other.buckets {
            *self.buckets.entry(*b).or_default() += n;
        }
    }

    /// The bucket (ms) the `q`-th of the values falls in (its lower bound).
    pub fn percentile(&self, q: f64) -> i64 {
        let total: i64 = self.buckets.values().sum();
        if total == 0 {
            return 0;
        }
        let rank = ((q * total as f64).ceil() as i64).clamp(1, total);
        let mut seen = 0;
        for (b, n) in &self.buckets {
            seen += n;
            if seen >= rank {
                return b * 1000;
            }
        }
        0
    }

    pub fn spread(&self) -> Spread {
        Spread {
            count: self.count,
            avg_ms: if self.count > 0 { self.sum_ms / self.count } else { 0 },
            p50_ms: self.percentile(0.5),
            p90_ms: self.percentile(0.9),
        }
    }

    /// `seconds:count` pairs, `;`-separated (as stored).
    pub fn encode(&self) -> String {
        self.buckets.iter().map(|(b, n)| format!("{b}:{n}")).collect::<Vec<_>>().join(";")
    }

    pub fn decode(count: i64, sum_ms: i64, text: &str) -> Timing {
        let buckets = text
            .split(';')
            .filter_map(|pair| {
                let (b, n) = pair.split_once(':')?;
                Some((b.parse().ok()?, n.parse().ok()?))
            })
            .collect();
        Timing { count, sum_ms, buckets }
    }
}

/// A conversation begun in the day, with its messages in order.
pub struct Handled {
    pub agent: Option<i64>,
    pub category: Option<i64>,
    pub started_at: i64,
    pub assigned_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// `(sent by an agent, the sender, when)`.
    pub messages: Vec<(bool, i64, i64)>,
}

/// Whose figures a timing is: the site's, an agent's or a category's.
pub fn scope_of_agent(id: i64) -> String {
    format!("agent:{id}")
}

pub fn scope_of_category(id: i64) -> String {
    format!("category:{id}")
}

pub const SITE_SCOPE: &str = "site";

/// The day's figures per scope and metric. Chats and messages are counts; first response is from
/// the chat's start to its first agent message; a response is from a visitor's first unanswered
/// message to the agent message after it; duration is start to close; wait is start to assignment.
pub fn measure(chats: &[Handled]) -> HashMap<(String, TimingMetric), Timing> {
    let mut out: HashMap<(String, TimingMetric), Timing> = HashMap::new();
    for c in chats {
        let mut scopes = vec![SITE_SCOPE.to_owned()];
        scopes.extend(c.agent.map(scope_of_agent));
        scopes.extend(c.category.map(scope_of_category));
        let mut add = |metric: TimingMetric, ms: i64| {
            for scope in &scopes {
                out.entry((scope.clone(), metric)).or_default().add(ms);
            }
        };
        add(TimingMetric::Chats, 0);
        if let Some(at) = c.messages.iter().find(|m| m.0).map(|m| m.2) {
            add(TimingMetric::FirstResponse, at - c.started_at);
        }
        let mut waiting: Option<i64> = None;
        for &(by_agent, _, at) in &c.messages {
            match (by_agent, waiting) {
                (false, None) => waiting = Some(at),
                (true, Some(since)) => {
                    add(TimingMetric::Response, at - since);
                    waiting = None;
                }
                _ => {}
            }
        }
        if let Some(closed) = c.closed_at {
            add(TimingMetric::Duration, closed - c.started_at);
        }
        if let Some(assigned) = c.assigned_at {
            add(TimingMetric::Wait, assigned - c.started_at);
        }
        // Messages count for whoever sent them (a transferred chat's first agent too).
        for &(_, sender, _) in c.messages.iter().filter(|m| m.0) {
            for scope in [SITE_SCOPE.to_owned(), scope_of_agent(sender)] {
                out.entry((scope, TimingMetric::Messages)).or_default().add(0);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1000;

    #[test]
    fn buckets_keep_seconds_under_a_minute_and_coarsen_after() {
        assert_eq!(
            [bucket(0), bucket(59_999), bucket(61 * S), bucket(601 * S), bucket(5000 * S)],
            [0, 59, 60, 600, 4500]
        );
        assert_eq!(bucket(3 * 86400 * S), 86400);
        let mut t = Timing::default();
        for s in [10, 20, 30, 40, 100] {
            t.add(s * S);
        }
        assert_eq!((t.percentile(0.5), t.percentile(0.9), t.spread().avg_ms), (30 * S, 100 * S, 40 * S));
        let round = Timing::decode(t.count, t.sum_ms, &t.encode());
        assert_eq!(round, t);
        let mut sum = t.clone();
        sum.merge(&t);
        assert_eq!((sum.count, sum.percentile(0.5)), (10, 30 * S));
    }

    #[test]
    fn first_response_responses_duration_and_wait_per_site_agent_and_category() {
        let chats = [
            // Waited 5 s, first answer 20 s after the start; the visitor writes twice, answered 8 s
            // after the first of the two.
            Handled {
                agent: Some(7),
                category: Some(3),
                started_at: 0,
                assigned_at: Some(5 * S),
                closed_at: Some(300 * S),
                messages: vec![
                    (false, 1, 0),
                    (true, 7, 20 * S),
                    (false, 1, 30 * S),
                    (false, 1, 35 * S),
                    (true, 7, 38 * S),
                ],
            },
            // Nobody answered: no response, no wait; closed after 2 minutes.
            Handled {
                agent: None,
                category: None,
                started_at: 0,
                assigned_at: None,
                closed_at: Some(120 * S),
                messages: vec![(false, 2, 0)],
            },
        ];
        let m = measure(&chats);
        let get = |scope: &str, metric| m.get(&(scope.to_owned(), metric)).cloned().unwrap_or_default();
        assert_eq!(get(SITE_SCOPE, TimingMetric::Chats).count, 2);
        assert_eq!(get(SITE_SCOPE, TimingMetric::FirstResponse).spread().p50_ms, 20 * S);
        let response = get("agent:7", TimingMetric::Response);
        assert_eq!((response.count, response.sum_ms), (2, 28 * S));
        assert_eq!(get("category:3", TimingMetric::Wait).spread().avg_ms, 5 * S);
        assert_eq!(get(SITE_SCOPE, TimingMetric::Duration).spread().avg_ms, 210 * S);
        assert_eq!(get("agent:7", TimingMetric::Messages).count, 2);
        assert_eq!(get(SITE_SCOPE, TimingMetric::Wait).count, 1);
    }
}
