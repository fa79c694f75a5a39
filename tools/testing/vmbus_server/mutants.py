#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# mutants.py [--smp] [NAME...] (make mutants): put back, one at a time,
# faults the core was built to exclude, and run the KUnit suites on each,
# to show which tests catch it.  Not part of make check: each mutant costs
# a build and a run (one that deadlocks runs into the timeout, 5 minutes
# on UML), and it prints what caught what rather than pass or fail.
#
# The unmutated copy runs first and must pass: a failing baseline would
# make every mutant look caught.  A mutant counts as caught only when a
# test case fails; one that does not build, or a run that ends without a
# failing case, is reported as such and not counted.  --smp runs the suites
# on the SMP debug test kernel (testguest.sh kunit, about 3 minutes each)
# instead of UML (kunit.sh).
#
# Each mutant is applied to a copy of this checkout (a git worktree with
# the working tree's files) under $VMBS_CACHE/mutants; kunit.sh points the
# shared kernel tree at that copy while it runs, so run nothing else that
# uses the tree meanwhile, and run kunit.sh from the checkout afterwards.
#
# Prints "MUTANT (what): caught by TEST..." or "NOT CAUGHT" per mutant,
# then a table line per mutant and the totals.
import os
import re
import shutil
import subprocess
import sys

# name: (what it puts back, [(file, text, replacement)])
MUTANTS = {
    "callback_under_lock": (
        "suspend and closed callbacks run with the server's lock held",
        [("drivers/vmbus_server/channel_state.c",
          "\t\tif (cb && cb->suspend)\n\t\t\tcb->suspend(channel);\n"
          "\t\tvmb_datapath_rx_reclaim(channel);\n"
          "\t\tmutex_lock(&server->lock);",
          "\t\tvmb_datapath_rx_reclaim(channel);\n"
          "\t\tmutex_lock(&server->lock);\n"
          "\t\tif (cb && cb->suspend)\n\t\t\tcb->suspend(channel);"),
         ("drivers/vmbus_server/channel_state.c",
          "\t\tif (cb && cb->closed)\n\t\t\tcb->closed(channel);\n"
          "\t\tvmb_mapping_close(channel);\n"
          "\t\tmutex_lock(&server->lock);",
          "\t\tvmb_mapping_close(channel);\n"
          "\t\tmutex_lock(&server->lock);\n"
          "\t\tif (cb && cb->closed)\n\t\t\tcb->closed(channel);")]),
    "busy_drops_reply": (
        "a message the transport found the slot busy for is dropped",
        [("drivers/vmbus_server/connection.c",
          "\tif (!ret || epoch != server->conn_epoch || server->dead) {",
          "\tif (!ret || ret == -EAGAIN || epoch != server->conn_epoch ||"
          " server->dead) {")]),
    "error_drops_reply": (
        "a message the transport refused with an error is dropped",
        [("drivers/vmbus_server/connection.c",
          "\tif (!ret || epoch != server->conn_epoch || server->dead) {",
          "\tif (ret != -EAGAIN || epoch != server->conn_epoch ||"
          " server->dead) {")]),
    "no_backpressure": (
        "guest messages are taken whatever the backlog",
        [("drivers/vmbus_server/channel_mgmt.c",
          "\t} else if (server->outq_len >= VMB_OUTQ_WATERMARK) {",
          "\t} else if (0) {")]),
    "reset_keeps_queue": (
        "a connection reset keeps what was queued for the old connection",
        [("drivers/vmbus_server/connection.c",
          "\tlockdep_assert_held(&server->lock);\n"
          "\tlist_for_each_entry_safe(m, tmp, &server->outq, node) {",
          "\tlockdep_assert_held(&server->lock);\n"
          "\tif (!server->dead)\n\t\treturn;\n"
          "\tlist_for_each_entry_safe(m, tmp, &server->outq, node) {")]),
    "destroy_no_tx_wait": (
        "destroy does not wait for transport ops in flight",
        [("drivers/vmbus_server/server.c",
          "\twait_event(server->tx_wq, !READ_ONCE(server->tx_users));\n",
          "")]),
    "deliver_after_destroy": (
        "guest messages are handled while the server is destroyed",
        [("drivers/vmbus_server/channel_mgmt.c",
          "\tif (server->dead) {\n\t\tret = -ENODEV;",
          "\tif (0) {\n\t\tret = -ENODEV;")]),
    "disable_keeps_relid": (
        "disable of a channel never offered keeps its relid",
        [("drivers/vmbus_server/channel_state.c",
          "\t\t} else if (!channel->release_pending) {\n"
          "\t\t\tvmb_channel_unlist(server, channel);",
          "\t\t} else if (0) {\n"
          "\t\t\tvmb_channel_unlist(server, channel);")]),
    "ring_no_truncation_check": (
        "a packet longer than what the guest wrote is taken",
        [("drivers/vmbus_server/ring.c",
          "\tif (len + VMB_PACKET_TRAILER_SIZE > avail)\n"
          "\t\treturn vmb_ring_fault(pkt, VMB_RING_TRUNCATED);\n",
          "")]),
    "ring_fills_up": (
        "the writer may use the last free byte (a full ring looks empty)",
        [("drivers/vmbus_server/ring.c",
          "\tif (total >= vmb_ring_room(ring, read))",
          "\tif (total > vmb_ring_room(ring, read))")]),
    "ring_ignores_mask": (
        "the host signals a guest that masked its interrupt",
        [("drivers/vmbus_server/ring.c",
          "\tif (READ_ONCE(control->interrupt_mask))\n\t\treturn 0;\n",
          "")]),
    "dp_slot_free_no_kick": (
        "a receive slot coming free after all were taken does not start "
        "the data work again",
        [("drivers/vmbus_server/datapath.c",
          "\tif (dp->rx_on && bitmap_full(dp->rx_taken, VMB_RX_SLOTS))\n"
          "\t\tvmb_datapath_kick(channel);\n",
          "")]),
    "dp_slot_not_taken": (
        "a packet handed to the back-end leaves its receive slot free "
        "for the next one",
        [("drivers/vmbus_server/datapath.c",
          "\t\t__set_bit(slot, dp->rx_taken);\n\t\tpacket->held = true;",
          "\t\tpacket->held = true;")]),
    "dp_close_keeps_pins": (
        "the end of an open leaves its ring frames pinned",
        [("drivers/vmbus_server/datapath.c",
          "\tvmb_ring_unmap(&dp->out);\n\tvmb_dp_unpin(channel);\n}",
          "\tvmb_ring_unmap(&dp->out);\n}")]),
    "dp_no_signal_after_open": (
        "no signal follows a successful OPENCHANNEL_RESULT",
        [("drivers/vmbus_server/datapath.c",
          "\t\tif (channel->dp.open)\n\t\t\tvmb_dp_signal(channel);",
          "\t\tif (0)\n\t\t\tvmb_dp_signal(channel);")]),
    "dp_map_no_teardown_wait": (
        "a GPADL mapped for a back-end is torn down at once",
        [("drivers/vmbus_server/gpadl.c",
          "\tif (gpadl->in_use || gpadl->maps) {\n"
          "\t\tgpadl->state = VMB_GPADL_TEARING_DOWN;",
          "\tif (gpadl->in_use) {\n"
          "\t\tgpadl->state = VMB_GPADL_TEARING_DOWN;")]),
    "ring_pending_every_time": (
        "the guest waiting for room is signalled on every consume",
        [("drivers/vmbus_server/ring.c",
          "\treturn free_now > pending && free_now - freed <= pending;",
          "\treturn free_now > pending;")]),
    "gpadl_offset_unchecked": (
        "a GPADL range may start past its first frame",
        [("drivers/vmbus_server/gpadl.c",
          "if (!count || offset >= VMB_PAGE_SIZE)",
          "if (!count)")]),
    "gpadl_body_overrun": (
        "GPADL bodies may bring more frames than the header announced",
        [("drivers/vmbus_server/gpadl.c",
          "if (len % sizeof(u64) || len > gpadl->len - gpadl->received)",
          "if (len % sizeof(u64))")]),
    "offer_no_mmio": (
        "the offer leaves mmio_megabytes (offset 58) at 0",
        [("drivers/vmbus_server/offer.c",
          "\toffer->mmio_megabytes = cpu_to_le16(channel->mmio_megabytes);\n",
          "")]),
    "offer_optional_mmio_is_mmio": (
        "mmio_megabytes_optional (offset 182) carries the required size",
        [("drivers/vmbus_server/offer.c",
          "cpu_to_le16(channel->mmio_megabytes_optional);",
          "cpu_to_le16(channel->mmio_megabytes);")]),
    "external_start_unchecked": (
        "a GPA-direct range may start past its first frame",
        [("drivers/vmbus_server/mapping.c",
          "if (!bytes || start >= VMB_PAGE_SIZE)",
          "if (!bytes)")]),
    "external_ranges_unbounded": (
        "a GPA-direct packet may name any number of ranges",
        [("drivers/vmbus_server/mapping.c",
          "if (!count || count > VMB_MAX_EXTERNAL_RANGES)",
          "if (!count)")]),
    "version_before_win8": (
        "INITIATE_CONTACT is accepted at versions before Windows 8",
        [("drivers/vmbus_server/channel_mgmt.c",
          "if (!vmb_version_supported(version) || version < VMB_VERSION_WIN8) {",
          "if (!vmb_version_supported(version)) {")]),
    "ring_index_unaligned": (
        "a ring index that is not 8-byte aligned is taken",
        [("drivers/vmbus_server/ring.c",
          "return index < ring->size && IS_ALIGNED(index, VMB_RING_ALIGN);",
          "return index < ring->size;")]),
    "ring_index_unbounded": (
        "a ring index past the ring's data area is taken",
        [("drivers/vmbus_server/ring.c",
          "return index < ring->size && IS_ALIGNED(index, VMB_RING_ALIGN);",
          "return IS_ALIGNED(index, VMB_RING_ALIGN);")]),
}

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
CACHE = os.environ.get("VMBS_CACHE",
                       os.path.expanduser("~/.cache/vmbus-server"))


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def copy_checkout(dest):
    if os.path.exists(dest):
        run(["git", "-C", ROOT, "worktree", "remove", "--force", dest])
    run(["git", "-C", ROOT, "worktree", "prune"])
    run(["git", "-C", ROOT, "worktree", "add", "-q", "--detach", dest,
         "HEAD"])
    run(["rsync", "-a", "--exclude", ".git", ROOT + "/", dest + "/"])


def apply(dest, edits):
    for path, text, repl in edits:
        full = os.path.join(dest, path)
        with open(full) as f:
            src = f.read()
        if src.count(text) != 1:
            return f"{path}: the code to mutate is not there once"
        with open(full, "w") as f:
            f.write(src.replace(text, repl))
    return None


def run_suites(dest, smp):
    """Run the suites in the copy; returns (failed cases, how it ended)."""
    if smp:
        cmd = ["bash", os.path.join(dest, "tools/testing/vmbus_server/testguest.sh"),
               "kunit"]
        prefix = "guest-kunit"
    else:
        cmd = ["bash", os.path.join(dest, "tools/testing/vmbus_server/kunit.sh")]
        prefix = "kunit"
    out = subprocess.run(cmd, capture_output=True, text=True,
                         env=dict(os.environ, VMBS_KUNIT_TIMEOUT="300")).stdout
    # Parameter rows may have spaces in their names.
    cases = re.findall(rf"^ok {prefix}: (vmbus_server_.*)$", out, re.M)
    failed = re.findall(rf"^not ok {prefix}: (vmbus_server_.*)$", out, re.M)
    others = re.findall(rf"^not ok {prefix}: (.*)$", out, re.M)
    others = [o for o in others if o not in failed]
    if not cases and not failed:
        return failed, others, "no case ran (build failed?)"
    return failed, others, f"{len(cases) + len(failed)} cases"


def main(argv):
    smp = "--smp" in argv
    names = [a for a in argv if a != "--smp"]
    dest = os.path.join(CACHE, "mutants", "checkout")
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    unknown = [n for n in names if n not in MUTANTS]
    if unknown:
        sys.exit(f"unknown mutants: {' '.join(unknown)}; known: "
                 f"{' '.join(MUTANTS)}")

    copy_checkout(dest)
    failed, others, ran = run_suites(dest, smp)
    print(f"baseline (no mutant): {ran}, {len(failed)} failed"
          + (f", also failed: {'; '.join(others)}" if others else ""))
    if failed or others or not ran.endswith(" cases"):
        run(["git", "-C", ROOT, "worktree", "remove", "--force", dest])
        sys.exit("the unmutated tree does not pass: no mutant can be judged")

    rows = []
    for name in names or MUTANTS:
        what, edits = MUTANTS[name]
        copy_checkout(dest)
        err = apply(dest, edits)
        if err:
            print(f"{name}: cannot apply: {err}")
            rows.append((name, "cannot apply", ""))
            continue
        failed, others, ran = run_suites(dest, smp)
        log = os.path.join(CACHE, "kunit-uml", "test.log")
        if not smp and os.path.exists(log):
            shutil.copy(log, os.path.join(CACHE, "mutants", f"{name}.log"))
        if failed:
            print(f"{name} ({what}): caught by {', '.join(failed)}")
            rows.append((name, "caught", f"{len(failed)} cases"))
        elif ran.endswith(" cases"):
            print(f"{name} ({what}): NOT CAUGHT"
                  + (f" ({'; '.join(others)})" if others else ""))
            rows.append((name, "NOT CAUGHT", "; ".join(others)))
        else:
            print(f"{name} ({what}): not judged: {ran}")
            rows.append((name, "not judged", ran))
    run(["git", "-C", ROOT, "worktree", "remove", "--force", dest])
    print()
    for name, verdict, detail in rows:
        print(f"{name:32} {verdict:12} {detail}")
    caught = sum(1 for r in rows if r[1] == "caught")
    print(f"{caught} of {len(rows)} mutants caught by a failing test case "
          f"({'SMP test kernel' if smp else 'UML'})")
    return 0 if caught == len(rows) else 1


sys.exit(main(sys.argv[1:]))
