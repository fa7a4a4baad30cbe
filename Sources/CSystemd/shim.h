#pragma once
// Typed wrappers over the few libsystemd calls the daemon uses. We pass CODE_FILE/CODE_LINE/CODE_FUNC
// ourselves (the Swift call site), so the location-adding sd_journal_sendv macro is suppressed.
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <stdint.h>
#include <sys/uio.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

/// sd_notify(0, state): sends `state` to $NOTIFY_SOCKET; 0 when the variable is unset, >0 when sent,
/// a negative errno on failure. The environment is left in place (children do not inherit it
/// anyway: the daemon spawns none).
static inline int zael_sd_notify(const char *state) { return sd_notify(0, state); }

/// sd_watchdog_enabled(0, &usec): >0 when systemd expects WATCHDOG=1 pings for this process
/// (WATCHDOG_USEC set and WATCHDOG_PID, if set, is ours), with the interval in microseconds.
static inline int zael_sd_watchdog_enabled(uint64_t *usec) { return sd_watchdog_enabled(0, usec); }

/// sd_journal_sendv: one structured journal entry made of "FIELD=value" iovecs.
static inline int zael_sd_journal_sendv(const struct iovec *iov, int n) { return sd_journal_sendv(iov, n); }
