//! Where and how a run was made, for its record: crate version, the git
//! commit of the build (see `build.rs`), host name, threads and start time.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::run::record::Provenance;

/// The provenance of a run started at `started` by a process training
/// `threads` runs at once.
pub fn capture(threads: usize, started: SystemTime) -> Provenance {
    Provenance {
        version: env!("CARGO_PKG_VERSION").to_string(),
        commit: option_env!("EINORM_GIT_COMMIT")
            .filter(|c| !c.is_empty())
            .map(String::from),
        host: host_name(),
        threads,
        started: rfc3339(started),
    }
}

/// The machine's name: the kernel's, else `$HOSTNAME`, else `unknown`.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// `2026-12-01T08:30:05Z` (whole seconds, UTC).
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The proleptic Gregorian date of `days` since 1970-01-01 (H. Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March first
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn start_times_print_as_utc_dates() {
        let at = |s: u64| rfc3339(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        // `date -u -d @951827696 +%FT%TZ` (a leap day)
        assert_eq!(at(951_827_696), "2000-02-29T12:34:56Z");
        // `date -u -d @1798761599 +%FT%TZ` (the last second of 2026)
        assert_eq!(at(1_798_761_599), "2026-12-31T23:59:59Z");
    }

    #[test]
    fn provenance_names_the_version_host_and_threads() {
        let p = capture(3, SystemTime::now());
        assert_eq!(p.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(p.threads, 3);
        assert!(!p.host.is_empty() && p.started.ends_with('Z'));
    }
}
