// Entry point; the command line is built in the systemd/CLI issue.
print("zael-aggregator")
