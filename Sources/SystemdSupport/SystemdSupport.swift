/// sd_notify, the watchdog and journald logging.
enum SystemdSupport {}
