"""Run the `reviewer` CLI and SIGKILL it when it reaches a named step of the index write.

Usage: python tests/crash_at.py STEP reviewer-arguments...  (tests/test_index_crash.py)
The steps follow reviewer/index_file.py: rows inserted but no index written, temporary file
written, file renamed, metadata recorded but not committed, committed but not pruned, and for a
rebuild the moment between moving the old directory away and moving the new one in.
"""

import os
import signal
import sys

import faiss

from reviewer.cli import main
from reviewer.corpus import index_file as index_file


def die(*_args, **_kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


def after(fn):
    def wrapped(*args, **kwargs):
        out = fn(*args, **kwargs)
        die()
        return out

    return wrapped


step = sys.argv.pop(1)
if step == "before-write":
    index_file.write = die
elif step == "tmp-written":
    faiss.write_index = after(faiss.write_index)
elif step == "renamed":
    index_file._fsync_dir = die
elif step == "recorded":
    index_file.record = after(index_file.record)
elif step == "committed":  # prune also runs on open; die at the one after a commit
    real_record, real_prune, wrote = index_file.record, index_file.prune, []

    def record(*args):
        wrote.append(1)
        return real_record(*args)

    index_file.record = record
    index_file.prune = lambda *args: die() if wrote else real_prune(*args)
elif step == "swapping-dirs":
    real_replace = os.replace

    def replace(src, dst):
        real_replace(src, dst)
        if ".old-" in str(dst):
            die()

    os.replace = replace
else:
    raise SystemExit(f"unknown step {step}")
sys.argv[0] = "reviewer"
main()
