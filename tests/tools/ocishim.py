#!/usr/bin/env python3
"""A minimal container-engine shim for tests of tincan-oci without containerd.

  ocishim.py [--tty] RUNTIME ROOT BUNDLE ID STATUSFILE

Becomes a child subreaper (as containerd's shim is), runs RUNTIME create
(the container's stdio is ours) and start, waits for the container's init
(it is reparented to us when create exits), writes "exit N" or "signal N"
to STATUSFILE and exits with N (128+N for a signal).  create's or start's
failure: their status, and STATUSFILE says "create failed" / "start failed".
With --tty (config.json's process.terminal), create gets a --console-socket;
the pty master that comes back through it is copied to our stdout.
"""
import ctypes
import array
import os
import socket
import subprocess
import sys
import tempfile

PR_SET_CHILD_SUBREAPER = 36


def main():
    args = sys.argv[1:]
    tty = args[0] == "--tty"
    if tty:
        args = args[1:]
    runtime, root, bundle, cid, statusfile = args[:5]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("ocishim: prctl(PR_SET_CHILD_SUBREAPER) failed")
    log = os.path.join(bundle, "log.json")
    pidfile = os.path.join(bundle, "init.pid")
    base = [runtime, "--root", root, "--log", log, "--log-format", "json"]
    extra, master = [], None
    if tty:
        sockpath = os.path.join(tempfile.mkdtemp(), "console.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(sockpath)
        listener.listen(1)
        listener.settimeout(10)
        extra = ["--console-socket", sockpath]
    proc = subprocess.Popen(base + ["create", "--bundle", bundle, "--pid-file", pidfile] + extra + [cid])
    if tty:
        try:
            conn, _ = listener.accept()
            fds = array.array("i")
            msg, anc, _, _ = conn.recvmsg(64, socket.CMSG_SPACE(fds.itemsize))
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.frombytes(data[: fds.itemsize])
                    master = fds[0]
            print("console %s" % msg.decode(), file=sys.stderr)
        except OSError as e:
            print("no console: %s" % e, file=sys.stderr)
    r = proc.wait()
    if r == 0 and tty and master is None:
        r = 1
    if r != 0:
        open(statusfile, "w").write("create failed\n")
        sys.exit(r)
    pid = int(open(pidfile).read())
    r = subprocess.run(base + ["start", cid], stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        open(statusfile, "w").write("start failed\n")
        sys.exit(r.returncode)
    if master is not None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                break  # EIO: the slave's last holder has gone
            if not data:
                break
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
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
