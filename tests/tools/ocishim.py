#!/usr/bin/env python3
"""A minimal container-engine shim for tests of tincan-oci without containerd.

  ocishim.py RUNTIME ROOT BUNDLE ID STATUSFILE

Becomes a child subreaper (as containerd's shim is), runs RUNTIME create
(the container's stdio is ours) and start, waits for the container's init
(it is reparented to us when create exits), writes "exit N" or "signal N"
to STATUSFILE and exits with N (128+N for a signal).  create's or start's
failure: their status, and STATUSFILE says "create failed" / "start failed".
"""
import ctypes
import os
import subprocess
import sys

PR_SET_CHILD_SUBREAPER = 36


def main():
    runtime, root, bundle, cid, statusfile = sys.argv[1:6]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("ocishim: prctl(PR_SET_CHILD_SUBREAPER) failed")
    log = os.path.join(bundle, "log.json")
    pidfile = os.path.join(bundle, "init.pid")
    base = [runtime, "--root", root, "--log", log, "--log-format", "json"]
    r = subprocess.run(base + ["create", "--bundle", bundle, "--pid-file", pidfile, cid])
    if r.returncode != 0:
        open(statusfile, "w").write("create failed\n")
        sys.exit(r.returncode)
    pid = int(open(pidfile).read())
    r = subprocess.run(base + ["start", cid], stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        open(statusfile, "w").write("start failed\n")
        sys.exit(r.returncode)
    while True:
        got, st = os.waitpid(-1, 0)
        if got == pid:
            break
    if os.WIFSIGNALED(st):
        open(statusfile, "w").write("signal %d\n" % os.WTERMSIG(st))
        sys.exit(128 + os.WTERMSIG(st))
    open(statusfile, "w").write("exit %d\n" % os.WEXITSTATUS(st))
    sys.exit(os.WEXITSTATUS(st))


main()
