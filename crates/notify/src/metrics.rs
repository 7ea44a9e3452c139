//! Counters of messages by channel, provider and outcome (`sent`, `failed`, and the delivery
//! reports `delivered`, `bounced`), rendered for `/metrics` in the Prometheus text format.
//! Owned by the [`crate::Notifier`] (not a process-global recorder), so each app instance, and
//! each test, counts only its own.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct NotifyMetrics {
    counts: Mutex<BTreeMap<(String, String, String), u64>>,
}

impl NotifyMetrics {
    pub fn count(&self, channel: &str, provider: &str, outcome: &str) {
        let mut c = match self.counts.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        *c.entry((channel.to_owned(), provider.to_owned(), outcome.to_owned()))
            .or_default() += 1;
    }

    /// How many so far.
    pub fn get(&self, channel: &str, provider: &str, outcome: &str) -> u64 {
        let c = match self.counts.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        c.get(&(channel.to_owned(), provider.to_owned(), outcome.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    pub fn render_prometheus(&self) -> String {
        let counts = match self.counts.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        };
        let mut out = String::from(
            "# HELP notifications_total Messages by channel, provider and outcome (sent, failed; delivered, bounced from delivery reports).\n# TYPE notifications_total counter\n",
        );
        for ((channel, provider, outcome), n) in counts {
            let _ = writeln!(
                out,
                "notifications_total{{channel=\"{}\",provider=\"{}\",outcome=\"{}\"}} {n}",
                escape(&channel),
                escape(&provider),
                escape(&outcome)
            );
        }
        out
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_renders() {
        let m = NotifyMetrics::default();
        m.count("email", "smtp", "sent");
        m.count("email", "smtp", "sent");
        m.count("sms", "twilio", "failed");
        assert_eq!(m.get("email", "smtp", "sent"), 2);
        let text = m.render_prometheus();
        assert!(text.contains("# TYPE notifications_total counter"));
        assert!(
            text.lines().any(|l| l
                == "notifications_total{channel=\"email\",provider=\"smtp\",outcome=\"sent\"} 2"),
            "{text}"
        );
        assert!(text.lines().any(|l| l
            == "notifications_total{channel=\"sms\",provider=\"twilio\",outcome=\"failed\"} 1"));
    }
}
