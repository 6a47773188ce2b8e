"""Runs a command and prints `<wall seconds> <peak RSS KiB>` of it on stdout; the command's own output goes to stderr."""
import os
import subprocess
import sys
import time

start = time.monotonic()
proc = subprocess.Popen(sys.argv[1:], stdout=sys.stderr)
_, status, usage = os.wait4(proc.pid, 0)
elapsed = time.monotonic() - start
code = os.waitstatus_to_exitcode(status)
if code:
    sys.exit("command failed (%d): %s" % (code, " ".join(sys.argv[1:])))
print("%.3f %d" % (elapsed, usage.ru_maxrss))
