//! Sign-in throttling: how quickly someone may try passwords, per account and per address.
//!
//! A lockout (refusing even the right password for a quarter of an hour after five mistakes)
//! lets anyone lock anyone out, and one proxy's failures lock out everyone behind it. So the
//! rule slows down instead: the first attempts of a run are free; after them, each further
//! attempt must wait a little longer than the one before, up to a short ceiling, and an
//! attempt that is told to wait does not lengthen the wait. A run is forgotten after a quiet
//! [`RUN_SECONDS`]. Attempts are counted *before* the password is verified (the store reserves
//! them atomically), so parallel guesses get no more verifications than the free ones.

use time::{Duration, OffsetDateTime};

/// A run of attempts ends after this long without one.
pub const RUN_SECONDS: i64 = 15 * 60;

/// How many attempts are free, and how the wait grows after them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Attempts in a run verified without waiting.
    pub free: i64,
    /// The wait after the last free attempt; it doubles with each attempt after that.
    pub first_wait_seconds: i64,
    /// The longest wait: nobody is ever kept out longer than this by anyone else's attempts.
    pub max_wait_seconds: i64,
}

/// Per account: five free attempts, then 15 s, 30 s, 60 s, 60 s, ... (at most 60 an hour).
pub const PER_ACCOUNT: Limit = Limit {
    free: 5,
    first_wait_seconds: 15,
    max_wait_seconds: 60,
};

/// Per client address: thirty free attempts, then 2 s, 4 s, 8 s, 15 s, 15 s, ... Many people
/// share an address behind a proxy; a successful sign-in gives its attempt back.
pub const PER_ADDRESS: Limit = Limit {
    free: 30,
    first_wait_seconds: 2,
    max_wait_seconds: 15,
};

/// The state of one key (an account or an address): attempts in the current run, when the
/// last one was, and when the next may be verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    pub attempts: i64,
    pub last_at: OffsetDateTime,
    pub next_at: OffsetDateTime,
}

/// What one attempt at `now` does to a key's run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Verify it; the run becomes this.
    Go(Run),
    /// Do not verify it; try again after this many seconds. The run is unchanged.
    Wait { seconds: i64 },
}

impl Limit {
    /// The wait after the `attempts`-th attempt of a run.
    pub fn wait_after(self, attempts: i64) -> Duration {
        if attempts < self.free {
            return Duration::ZERO;
        }
        let doublings = u32::try_from(attempts - self.free)
            .unwrap_or(u32::MAX)
            .min(20);
        let seconds = self
            .first_wait_seconds
            .saturating_mul(1_i64 << doublings)
            .min(self.max_wait_seconds);
        Duration::seconds(seconds)
    }

    /// Decides an attempt at `now` on a key whose run is `run` (None: never tried).
    pub fn decide(self, run: Option<Run>, now: OffsetDateTime) -> Decision {
        let current = run.filter(|r| now - r.last_at < Duration::seconds(RUN_SECONDS));
        if let Some(r) = current
            && now < r.next_at
        {
            let left = (r.next_at - now).whole_seconds() + 1;
            return Decision::Wait {
                seconds: left.max(1),
            };
        }
        let attempts = current.map_or(0, |r| r.attempts) + 1;
        Decision::Go(Run {
            attempts,
            last_at: now,
            next_at: now + self.wait_after(attempts),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: OffsetDateTime = time::macros::datetime!(2026-04-01 09:00 UTC);

    fn go(decision: Decision) -> Run {
        match decision {
            Decision::Go(run) => run,
            Decision::Wait { seconds } => panic!("told to wait {seconds} s"),
        }
    }

    #[test]
    fn free_attempts_then_a_growing_wait_with_a_ceiling() {
        let limit = PER_ACCOUNT;
        let waits: Vec<i64> = (1..=9)
            .map(|n| limit.wait_after(n).whole_seconds())
            .collect();
        assert_eq!(waits, [0, 0, 0, 0, 15, 30, 60, 60, 60]);
        assert_eq!(limit.wait_after(i64::MAX).whole_seconds(), 60);
        let mut run = None;
        for _ in 0..5 {
            run = Some(go(limit.decide(run, T0)));
        }
        // The sixth at once waits; waiting attempts do not lengthen the wait.
        for _ in 0..10 {
            assert_eq!(limit.decide(run, T0), Decision::Wait { seconds: 16 });
        }
        let later = T0 + Duration::seconds(15);
        let sixth = go(limit.decide(run, later));
        assert_eq!(
            (sixth.attempts, sixth.next_at),
            (6, later + Duration::seconds(30))
        );
    }

    #[test]
    fn a_quiet_quarter_of_an_hour_starts_a_new_run() {
        let run = Some(Run {
            attempts: 9,
            last_at: T0,
            next_at: T0 + Duration::seconds(60),
        });
        let later = T0 + Duration::seconds(RUN_SECONDS);
        assert_eq!(go(PER_ACCOUNT.decide(run, later)).attempts, 1);
    }
}
