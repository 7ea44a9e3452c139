//! Sign-in throttling, per account and per IP: the first few failures are free, then each
//! further failure makes the next attempt wait twice as long (up to a cap), and enough failures
//! within the window lock the key for a while. The state is one `auth_throttle` row per key;
//! this module only computes, the caller stores (and deletes the row after a success).
//!
//! Boundaries, with `n` failures counted in the current window:
//! - the window starts at the first failure and lasts `window`; at `window_started_at + window`
//!   it has expired, and the next failure starts a new one;
//! - while `n ≤ free_failures` there is no wait; after failure `n > free_failures` the next
//!   attempt may come `first_delay × 2^(n − free_failures − 1)` (at most `max_delay`) after it;
//! - failure number `lock_after` locks the key until `lock_for` later; the lock ends at that
//!   instant and the next failure starts a new window. Failures while locked (if the caller
//!   records them at all) neither extend the lock nor start one.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};

/// How failures are forgiven and punished for one kind of key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub free_failures: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
    pub lock_after: u32,
    pub lock_for: Duration,
    pub window: Duration,
}

/// One key's failures, as the `auth_throttle` row holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleState {
    pub failures: u32,
    pub window_started_at: DateTime<Utc>,
    pub last_failure_at: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
}

/// The attempt must wait: `secs` whole seconds (rounded up, at least 1), and whether that is a
/// lock rather than a back-off delay (they read differently to the user).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many failed attempts; retry after {secs} s")]
pub struct RetryAfter {
    pub secs: u64,
    pub locked: bool,
}

impl RetryAfter {
    fn until(until: DateTime<Utc>, now: DateTime<Utc>, locked: bool) -> RetryAfter {
        let ms = (until - now).num_milliseconds().max(1) as u64;
        RetryAfter {
            secs: ms.div_ceil(1000),
            locked,
        }
    }

    /// Whole minutes, rounded up, for messages about locks.
    pub fn minutes(self) -> u64 {
        self.secs.div_ceil(60)
    }

    pub fn reason_key(self) -> &'static str {
        if self.locked {
            "reason-throttle-locked"
        } else {
            "reason-throttle-wait"
        }
    }

    /// The message's arguments: `$seconds` and `$minutes`.
    pub fn args(self) -> [(&'static str, i64); 2] {
        let clamp = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        [
            ("seconds", clamp(self.secs)),
            ("minutes", clamp(self.minutes())),
        ]
    }
}

impl ThrottlePolicy {
    /// Per account (or per identifier that has no account, so probing looks the same):
    /// 3 free failures, then 1 s, 2 s, 4 s … up to 60 s; the 10th failure within 15 minutes
    /// locks for 15 minutes.
    pub fn per_account() -> ThrottlePolicy {
        ThrottlePolicy {
            free_failures: 3,
            first_delay: Duration::seconds(1),
            max_delay: Duration::seconds(60),
            lock_after: 10,
            lock_for: Duration::minutes(15),
            window: Duration::minutes(15),
        }
    }

    /// Per client IP, many people may share one address (offices, carrier NAT): 20 free
    /// failures, delays capped at 10 s, and the 100th failure within 15 minutes locks the
    /// address for 15 minutes.
    pub fn per_ip() -> ThrottlePolicy {
        ThrottlePolicy {
            free_failures: 20,
            first_delay: Duration::seconds(1),
            max_delay: Duration::seconds(10),
            lock_after: 100,
            lock_for: Duration::minutes(15),
            window: Duration::minutes(15),
        }
    }

    /// The wait after the `failures`-th failure of a window.
    pub fn delay_after(&self, failures: u32) -> Duration {
        if failures <= self.free_failures {
            return Duration::zero();
        }
        let doublings = failures - self.free_failures - 1;
        2i32.checked_pow(doublings)
            .and_then(|factor| self.first_delay.checked_mul(factor))
            .map_or(self.max_delay, |d| d.min(self.max_delay))
    }

    /// Whether an attempt may be made at `now`; `None` is a key with no failures.
    pub fn check(
        &self,
        state: Option<&ThrottleState>,
        now: DateTime<Utc>,
    ) -> Result<(), RetryAfter> {
        let Some(s) = state else {
            return Ok(());
        };
        if let Some(until) = s.locked_until
            && now < until
        {
            return Err(RetryAfter::until(until, now, true));
        }
        if self.starts_afresh(s, now) {
            return Ok(());
        }
        let wait_until = s.last_failure_at + self.delay_after(s.failures);
        if now < wait_until {
            return Err(RetryAfter::until(wait_until, now, false));
        }
        Ok(())
    }

    /// The state after a failed attempt at `now`.
    pub fn after_failure(
        &self,
        state: Option<&ThrottleState>,
        now: DateTime<Utc>,
    ) -> ThrottleState {
        let mut next = match state {
            Some(s) if !self.starts_afresh(s, now) => ThrottleState {
                failures: s.failures.saturating_add(1),
                window_started_at: s.window_started_at,
                last_failure_at: now,
                locked_until: s.locked_until,
            },
            _ => ThrottleState {
                failures: 1,
                window_started_at: now,
                last_failure_at: now,
                locked_until: None,
            },
        };
        let locked = next.locked_until.is_some_and(|u| now < u);
        if !locked && next.failures >= self.lock_after {
            next.locked_until = Some(now + self.lock_for);
        }
        next
    }

    /// Whether earlier failures no longer count: not locked now, and the window has expired
    /// or a lock has run out.
    fn starts_afresh(&self, s: &ThrottleState, now: DateTime<Utc>) -> bool {
        match s.locked_until {
            Some(until) if now < until => false,
            Some(_) => true,
            None => now >= s.window_started_at + self.window,
        }
    }
}

/// The `auth_throttle` key of an account (its user id) or of a normalised identifier that
/// has no account.
pub fn account_throttle_key(user_id_or_identifier: &str) -> String {
    format!("acct:{user_id_or_identifier}")
}

/// The `auth_throttle` key of a client address. IPv6 clients usually hold a whole /64, so the
/// key is the /64; IPv4-mapped IPv6 addresses count as their IPv4 address.
pub fn ip_throttle_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("ip:{v4}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("ip:{v4}"),
            None => {
                let s = v6.segments();
                let prefix = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("ip:{prefix}/64")
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap()
    }

    fn secs(n: i64) -> Duration {
        Duration::seconds(n)
    }

    /// Fails `n` times, each as soon as allowed, starting at `start`.
    fn fail_fast(
        p: &ThrottlePolicy,
        mut state: Option<ThrottleState>,
        start: DateTime<Utc>,
        n: u32,
    ) -> (Option<ThrottleState>, DateTime<Utc>) {
        let mut now = start;
        for _ in 0..n {
            if let Err(r) = p.check(state.as_ref(), now) {
                now += secs(r.secs as i64);
            }
            assert_eq!(p.check(state.as_ref(), now), Ok(()));
            state = Some(p.after_failure(state.as_ref(), now));
        }
        (state, now)
    }

    #[test]
    fn delays_double_up_to_the_cap() {
        let p = ThrottlePolicy::per_account();
        let want = [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60];
        for (n, w) in want.iter().enumerate() {
            assert_eq!(p.delay_after(n as u32), secs(*w), "after {n} failures");
        }
        assert_eq!(p.delay_after(u32::MAX), secs(60));
        let ip = ThrottlePolicy::per_ip();
        assert_eq!(ip.delay_after(20), secs(0));
        assert_eq!(ip.delay_after(21), secs(1));
        assert_eq!(ip.delay_after(24), secs(8));
        assert_eq!(ip.delay_after(25), secs(10));
        assert_eq!(ip.delay_after(99), secs(10));
    }

    #[test]
    fn three_free_failures_then_a_wait() {
        let p = ThrottlePolicy::per_account();
        let now = t0();
        assert_eq!(p.check(None, now), Ok(()));
        let (state, now) = fail_fast(&p, None, now, 3);
        assert_eq!(state.as_ref().unwrap().failures, 3);
        assert_eq!(p.check(state.as_ref(), now), Ok(()));
        let state = p.after_failure(state.as_ref(), now);
        assert_eq!(state.failures, 4);
        assert_eq!(
            p.check(Some(&state), now),
            Err(RetryAfter {
                secs: 1,
                locked: false
            })
        );
        assert!(
            p.check(Some(&state), now + Duration::milliseconds(999))
                .is_err()
        );
        assert_eq!(p.check(Some(&state), now + secs(1)), Ok(()));
        let state = p.after_failure(Some(&state), now + secs(1));
        assert_eq!(
            p.check(Some(&state), now + secs(1)),
            Err(RetryAfter {
                secs: 2,
                locked: false
            })
        );
        // Part-seconds round up.
        assert_eq!(
            p.check(Some(&state), now + Duration::milliseconds(1_500))
                .map_err(|r| r.secs),
            Err(2)
        );
        assert_eq!(p.check(Some(&state), now + secs(3)), Ok(()));
    }

    #[test]
    fn the_tenth_failure_locks_for_fifteen_minutes() {
        let p = ThrottlePolicy::per_account();
        let (state, last) = fail_fast(&p, None, t0(), 9);
        let s9 = state.unwrap();
        assert_eq!(s9.locked_until, None);
        // 0 + 0 + 0 + 1 + 2 + 4 + 8 + 16 seconds of waiting before the 9th failure.
        assert_eq!(last, t0() + secs(31));
        let wait = p.check(Some(&s9), last).unwrap_err();
        assert_eq!(
            wait,
            RetryAfter {
                secs: 32,
                locked: false
            }
        );
        let at = last + secs(32);
        let s10 = p.after_failure(Some(&s9), at);
        assert_eq!(s10.failures, 10);
        assert_eq!(s10.locked_until, Some(at + Duration::minutes(15)));
        let locked = p.check(Some(&s10), at).unwrap_err();
        assert_eq!(
            locked,
            RetryAfter {
                secs: 900,
                locked: true
            }
        );
        assert_eq!(locked.minutes(), 15);
        assert_eq!(locked.reason_key(), "reason-throttle-locked");
        assert_eq!(locked.args(), [("seconds", 900), ("minutes", 15)]);
        assert_eq!(
            p.check(
                Some(&s10),
                at + Duration::minutes(15) - Duration::milliseconds(1)
            ),
            Err(RetryAfter {
                secs: 1,
                locked: true
            })
        );
        // The lock ends at the instant, and the next failure starts a new window.
        let end = at + Duration::minutes(15);
        assert_eq!(p.check(Some(&s10), end), Ok(()));
        let fresh = p.after_failure(Some(&s10), end);
        assert_eq!(
            fresh,
            ThrottleState {
                failures: 1,
                window_started_at: end,
                last_failure_at: end,
                locked_until: None
            }
        );
    }

    #[test]
    fn failures_while_locked_do_not_extend_the_lock() {
        let p = ThrottlePolicy::per_account();
        let (state, at) = fail_fast(&p, None, t0(), 10);
        let locked = state.unwrap();
        let until = locked.locked_until.unwrap();
        let again = p.after_failure(Some(&locked), at + Duration::minutes(5));
        assert_eq!(again.failures, 11);
        assert_eq!(again.locked_until, Some(until));
        assert_eq!(again.window_started_at, locked.window_started_at);
    }

    #[test]
    fn the_window_expires() {
        let p = ThrottlePolicy::per_account();
        let (state, _) = fail_fast(&p, None, t0(), 5);
        let s = state.unwrap();
        assert_eq!(s.window_started_at, t0());
        // Just inside the window the count goes on…
        let inside = t0() + Duration::minutes(15) - Duration::milliseconds(1);
        assert_eq!(p.after_failure(Some(&s), inside).failures, 6);
        // …and at its end it starts again.
        let end = t0() + Duration::minutes(15);
        let fresh = p.after_failure(Some(&s), end);
        assert_eq!(fresh.failures, 1);
        assert_eq!(fresh.window_started_at, end);
        assert_eq!(p.check(Some(&s), end), Ok(()));
    }

    #[test]
    fn nine_failures_per_window_never_lock() {
        let p = ThrottlePolicy::per_account();
        let (state, _) = fail_fast(&p, None, t0(), 9);
        let (state, _) = fail_fast(&p, state, t0() + Duration::minutes(15), 9);
        let s = state.unwrap();
        assert_eq!(s.failures, 9);
        assert_eq!(s.locked_until, None);
    }

    #[test]
    fn per_ip_locks_after_a_hundred() {
        let p = ThrottlePolicy::per_ip();
        let (state, at) = fail_fast(&p, None, t0(), 99);
        let s = state.unwrap();
        assert_eq!(s.locked_until, None);
        assert!(
            at < t0() + Duration::minutes(15),
            "reachable within the window"
        );
        let (state, at) = fail_fast(&p, Some(s), at, 1);
        let s = state.unwrap();
        assert_eq!(s.failures, 100);
        assert_eq!(s.locked_until, Some(at + Duration::minutes(15)));
    }

    #[test]
    fn lock_longer_than_the_window_is_kept() {
        let p = ThrottlePolicy {
            lock_for: Duration::hours(1),
            ..ThrottlePolicy::per_account()
        };
        let (state, at) = fail_fast(&p, None, t0(), 10);
        let s = state.unwrap();
        let later = at + Duration::minutes(30);
        assert!(p.check(Some(&s), later).unwrap_err().locked);
        let next = p.after_failure(Some(&s), later);
        assert_eq!(next.locked_until, s.locked_until);
    }

    #[test]
    fn throttle_keys() {
        assert_eq!(account_throttle_key("0193-abc"), "acct:0193-abc");
        assert_eq!(
            ip_throttle_key("203.0.113.7".parse().unwrap()),
            "ip:203.0.113.7"
        );
        assert_eq!(
            ip_throttle_key("::ffff:203.0.113.7".parse().unwrap()),
            "ip:203.0.113.7"
        );
        assert_eq!(
            ip_throttle_key("2001:db8:1:2:3:4:5:6".parse().unwrap()),
            "ip:2001:db8:1:2::/64"
        );
        assert_eq!(
            ip_throttle_key("2001:db8:1:2:ffff::1".parse().unwrap()),
            ip_throttle_key("2001:db8:1:2::9".parse().unwrap())
        );
        assert_eq!(ip_throttle_key("::1".parse().unwrap()), "ip:::/64");
    }

    proptest! {
        /// However failures arrive, no attempt is allowed within the delay or lock, and the
        /// count never passes what the window allows without a lock.
        #[test]
        fn waits_are_respected(gaps in proptest::collection::vec(0i64..120_000, 1..60)) {
            let p = ThrottlePolicy::per_account();
            let mut state: Option<ThrottleState> = None;
            let mut now = t0();
            for gap in gaps {
                now += Duration::milliseconds(gap);
                match p.check(state.as_ref(), now) {
                    Ok(()) => {
                        let next = p.after_failure(state.as_ref(), now);
                        prop_assert!(next.failures >= 1);
                        prop_assert!(now < next.window_started_at + p.window);
                        if next.failures >= p.lock_after {
                            prop_assert!(next.locked_until.is_some_and(|u| u > now));
                        }
                        state = Some(next);
                    }
                    Err(r) => {
                        prop_assert!(r.secs >= 1);
                        let cap = if r.locked { 900 } else { 60 };
                        prop_assert!(r.secs <= cap);
                        let s = state.as_ref().unwrap();
                        prop_assert_eq!(r.locked, s.locked_until.is_some_and(|u| now < u));
                    }
                }
            }
        }
    }
}
