#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""node_console.py SOCKET CMD [TIMEOUT]: run the shell command CMD on the
node guest's serial console (root is logged in there: tests/testbed/node.sh)
and print its output; exit with its status. This is the tests' own way into
the guest, independent of nsh's channel: what the guest's /proc and its
runtimes say, as a person at the console would read them."""
import os
import re
import socket
import sys
import time


def main():
    path, cmd = sys.argv[1], sys.argv[2]
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
    tag = "%d%d" % (os.getpid(), time.monotonic_ns() % 1000000)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(0.2)
    # No echo, no prompt decorations; the markers are printed by printf from
    # split words, so the command line itself never contains them.
    line = ("stty -echo 2>/dev/null; printf '\\n%%s-%%s\\n' NSHTB %s; ( %s ) 2>&1; "
            "printf '\\n%%s-%%s %%d\\n' NSHTE %s $?\n") % (tag, cmd, tag)
    s.sendall(b"\n" + line.encode())
    buf = b""
    end = time.monotonic() + timeout
    pat = re.compile(rb"\nNSHTB-" + tag.encode() + rb"\r?\n(.*)\r?\nNSHTE-" + tag.encode() + rb" (\d+)\r?\n", re.S)
    while time.monotonic() < end:
        try:
            d = s.recv(65536)
            if not d:
                break
            buf += d
        except socket.timeout:
            pass
        m = pat.search(buf)
        if m:
            out = m.group(1).replace(b"\r", b"")
            sys.stdout.buffer.write(out + (b"\n" if out and not out.endswith(b"\n") else b""))
            sys.exit(int(m.group(2)))
    sys.stderr.write("node_console: no answer from the console in %g s\n" % timeout)
    sys.exit(124)


main()
