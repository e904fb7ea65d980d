#include "reports/qemu_export_runner.h"

namespace mirrorsim::reports {

const std::string_view kQemuExportRunner = R"PY(
import json, os, re, signal, socket, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
QEMU_IMG = os.environ.get("QEMU_IMG", "qemu-img")
QEMU_IO = os.environ.get("QEMU_IO", "qemu-io")
TIMEOUT = float(os.environ.get("REPLAY_TIMEOUT", "120"))
HOLD_TIMEOUT = min(TIMEOUT, 20)
UNDO = "--undo" in sys.argv[1:]
qemu = None


def verdict(code, line):
    if qemu is not None and qemu.poll() is None:
        qemu.kill()
    for note in CASE["notes"]:
        print("note: " + note)
    if UNDO and CASE["holds"]:
        line += " (--undo: the holds were released before the guest request)"
    print(line + (" (not replayed: see the notes above)" if CASE["notes"] else ""))
    sys.exit(code)


def cannot_run(why):
    verdict(3, "cannot run: " + why)


def cannot_judge(why):
    verdict(4, "cannot judge: " + why)


def qemu_died():
    status = qemu.wait()
    if status < 0:
        verdict(6, "QEMU crashed (signal %d): %s" % (-status, last_line("qemu.err")))
    cannot_judge("QEMU exited with status %d: %s" % (status, last_line("qemu.err")))


def last_line(path):
    try:
        with open(path) as f:
            lines = f.read().strip().splitlines()
        return lines[-1] if lines else ""
    except OSError:
        return ""


class Qmp:
    def __init__(self, path):
        # QEMU binds the socket's file before it listens on it: a connect
        # in between is refused, so try again until the deadline.
        deadline = time.monotonic() + 10
        while True:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self.sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                self.sock.close()
            if qemu.poll() is not None:
                qemu_died()
            if time.monotonic() > deadline:
                cannot_run("QEMU opened no QMP socket")
            time.sleep(0.02)
        self.sock.settimeout(0.2)
        self.buffer = b""
        self.events = []
        self.log = open("qmp.log", "w")
        self.receive_until(lambda m: "QMP" in m, "the QMP greeting")

    def receive_one(self):
        while b"\n" not in self.buffer:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                if qemu.poll() is not None:
                    qemu_died()
                return None
            except ConnectionError:
                qemu_died()
            if not data:
                qemu_died()
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        self.log.write(line.decode() + "\n")
        self.log.flush()
        message = json.loads(line)
        if "event" in message:
            self.events.append(message)
        return message

    def receive_until(self, done, what, timeout=None):
        timeout = TIMEOUT if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.receive_one()
            if message is not None and done(message):
                return message
        cannot_judge("no %s after %g s" % (what, timeout))

    def command(self, command, timeout=None, what=None):
        self.log.write(">> " + json.dumps(command) + "\n")
        self.sock.sendall((json.dumps(command) + "\n").encode())
        reply = self.receive_until(lambda m: "return" in m or "error" in m,
                                   what or "reply to " + command["execute"], timeout)
        if "error" in reply:
            cannot_judge("QEMU refused a command: %s: %s" % (command["execute"], reply["error"]))
        return reply["return"]

    def hmp(self, line, timeout=None, what=None):
        reply = self.command({"execute": "human-monitor-command", "arguments": {"command-line": line}},
                             timeout, what)
        if re.search(r"error|failed|Error", reply or ""):
            cannot_judge("QEMU refused %s: %s" % (line, reply.strip()))
        return reply

    def wait_event(self, name):
        def seen():
            return any(e["event"].startswith(name) for e in self.events)
        if not seen():
            self.receive_until(lambda m: "event" in m and m["event"].startswith(name), name)


def trace_text():
    try:
        with open("trace.log") as f:
            return f.read()
    except OSError:
        return ""


def wait_until(done, qmp, why):
    # QEMU's trace log grows while the monitor is read (0.2 s at a time).
    deadline = time.monotonic() + TIMEOUT
    while not done():
        if time.monotonic() > deadline:
            cannot_judge(why)
        qmp.receive_one()


def ended_copies():
    return re.findall(r"mirror_iteration_done .*offset (\d+) bytes (\d+) ret 0", trace_text())


def copies_ended():
    # Every copy QEMU started (mirror_one_iteration) has ended.
    started = re.findall(r"mirror_one_iteration .*offset (\d+) bytes (\d+)", trace_text())
    ended = ended_copies()
    return all(ended.count(op) >= started.count(op) for op in set(started))


def covering_ended(cover):
    # Copies that ended and cover the range.
    return sum(1 for o, n in ended_copies() if int(o) <= cover["offset"] and
               cover["offset"] + cover["length"] <= int(o) + int(n))


def wait_done(offset, length, count, qmp):
    pattern = r"mirror_iteration_done .*offset %d bytes %d " % (offset, length)
    wait_until(lambda: len(re.findall(pattern, trace_text())) >= count, qmp,
               "copy op [%d, +%d) did not end in QEMU as it did in the simulation" % (offset, length))


def byte_at(fmt, path, offset):
    out = subprocess.run([QEMU_IO, "-r", "-f", fmt, "-c", "read -v %d 1" % offset, path],
                         capture_output=True, text=True).stdout
    m = re.search(r"^[0-9a-f]+:\s+([0-9a-f]{2})\s", out, re.M)
    return "0x" + m.group(1) if m else "?"


def compare():
    c = CASE["compare"]
    r = subprocess.run([QEMU_IMG, "compare", "-f", c["source_format"], "-F", c["target_format"],
                        c["source"], c["target"]], capture_output=True, text=True)
    out = (r.stdout + r.stderr).strip()
    if r.returncode == 0:
        verdict(0, "QEMU agrees: the target equals the source")
    if r.returncode == 1:
        m = re.search(r"Content mismatch at offset (\d+)!", out)
        if not m:
            verdict(1, "QEMU differs: " + out)
        offset = int(m.group(1))
        print("at byte %d the source holds %s, the target %s" % (
            offset, byte_at(c["source_format"], c["source"], offset),
            byte_at(c["target_format"], c["target"], offset)))
        verdict(1, "QEMU differs at byte %d" % offset)
    cannot_run("qemu-img compare: " + out)


def drive_option(node, prefix=""):
    parts = []
    for key, value in node.items():
        name = prefix + key
        if isinstance(value, dict):
            parts.append(drive_option(value, name + "."))
        elif value is None:
            parts.append(name + "=null")
        elif isinstance(value, bool):
            parts.append("%s=%s" % (name, "on" if value else "off"))
        else:
            parts.append("%s=%s" % (name, value))
    return ",".join(parts)


def main():
    global qemu
    os.chdir(HERE)
    for tool in (QEMU, QEMU_IMG, QEMU_IO):
        if subprocess.run(["sh", "-c", "command -v " + tool], capture_output=True).returncode != 0:
            cannot_run(tool + " is not installed")
    for f in CASE["files"] + ["qmp.sock", "qmp.log", "qemu.err", "trace.log"]:
        if os.path.exists(f):
            os.remove(f)
    for c in CASE["images"]:
        tool = QEMU_IMG if c["tool"] == "qemu-img" else QEMU_IO
        if subprocess.run([tool] + c["args"], stdout=subprocess.DEVNULL).returncode != 0:
            cannot_run(c["what"])
    args = [QEMU, "-machine", "none", "-nodefaults", "-display", "none",
            "-qmp", "unix:qmp.sock,server=on,wait=off",
            "-trace", "enable=mirror_one_iteration", "-trace", "enable=mirror_iteration_done",
            "-trace", "enable=qcow2_writev_start_req",
            "-D", "trace.log"]
    if CASE["base_node"]:
        args += ["-blockdev", json.dumps(CASE["base_node"])]
    # The source through a named -drive: guest I/O goes through its
    # BlockBackend (HMP qemu-io on a node name would drain, and hang, while
    # a request is held), and blkdebug sits between the format and the file.
    # Guest discards reach the image (and the dirty bitmap), as in the
    # simulation: a drive ignores them by default.
    source = dict(CASE["source_node"], discard="unmap")
    source["file"] = {"driver": "blkdebug", "image": source["file"]}
    args += ["-drive", "if=none,id=guest," + drive_option(source)]
    qemu = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=open("qemu.err", "w"))
    qmp = Qmp("qmp.sock")
    qmp.command({"execute": "qmp_capabilities"})
    # blkdebug under the target's file too, reached through a raw node that
    # asks no permissions (the job's own would refuse a drive there).
    target = dict(CASE["target_node"], discard="unmap")
    target["file"] = {"driver": "blkdebug", "node-name": "target-debug", "image": target["file"]}
    qmp.command({"execute": "blockdev-add", "arguments": target})
    qmp.command({"execute": "blockdev-add",
                 "arguments": {"driver": "raw", "node-name": "target-hook", "file": "target-debug"}})

    def arm(tags):
        for hold in CASE["holds"]:
            if hold["tag"] in tags:
                qmp.hmp('qemu-io %s "break %s %s"' % (hold["device"], hold["event"], hold["tag"]))

    arm(CASE["arm_at_start"])
    qmp.command({"execute": "blockdev-mirror", "arguments": CASE["mirror"], "id": "mirror"})
    for step in CASE["steps"]:
        kind = step["kind"]
        if UNDO and step.get("skip_undo"):
            continue
        if kind == "wait_event":
            qmp.wait_event(step["event"])
        elif kind == "qmp":
            qmp.command(step["qmp"])
        elif kind == "guest":
            qmp.hmp('qemu-io guest "%s"' % step["io"])
        elif kind == "pause":
            # No new copy starts while the requests before the arming go.
            qmp.command({"execute": "block-job-pause", "arguments": {"device": "mirror"}})
            deadline = time.monotonic() + HOLD_TIMEOUT
            while not any(j["status"] in ("paused", "standby")
                          for j in qmp.command({"execute": "query-block-jobs"})):
                if time.monotonic() > deadline:
                    cannot_judge("the job did not pause")
                time.sleep(0.01)
        elif kind == "arm":
            for want in step["after"]:
                wait_done(want["offset"], want["length"], want["count"], qmp)
            arm(step["tags"])
            if step["resume"]:
                qmp.command({"execute": "block-job-resume", "arguments": {"device": "mirror"}})
        elif kind == "held":
            for hold in step["holds"]:
                # An op that never reaches its breakpoint (QEMU ran another
                # way) would block the monitor: give up sooner.
                qmp.hmp('qemu-io %s "wait_break %s"' % (hold["device"], hold["tag"]), HOLD_TIMEOUT,
                        "hold %s (%s) reached: QEMU did not run that copy as the simulation did"
                        % (hold["tag"], hold["event"]))
            if UNDO and not step.get("keep"):
                for hold in step["holds"]:
                    qmp.hmp('qemu-io %s "resume %s"' % (hold["device"], hold["tag"]))
        elif kind == "release":
            for want in step["after"]:
                wait_done(want["offset"], want["length"], want["count"], qmp)
            if "cover" in step:
                cover = step["cover"]
                wait_until(lambda: covering_ended(cover) >= cover["count"], qmp,
                           "no copy of [%d, +%d) ended in QEMU as in the simulation"
                           % (cover["offset"], cover["length"]))
            if not UNDO:
                qmp.hmp('qemu-io %s "resume %s"' % (step["device"], step["tag"]))
        elif kind == "finish":
            qmp.sock.sendall(b'{"execute": "quit"}\n')
            try:
                status = qemu.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                cannot_judge("QEMU did not quit")
            if status < 0:
                verdict(6, "QEMU crashed (signal %d): %s" % (-status, last_line("qemu.err")))
        elif kind == "kick":
            # The job sleeps after each dirty run at 1 byte/s; a higher
            # speed wakes it for one more (0: no limit).
            qmp.command({"execute": "block-job-set-speed",
                         "arguments": {"device": "mirror", "speed": step["speed"]}})
        elif kind == "wait_writes":
            # The copies have read: their writes reached the target's qcow2.
            pattern = r"qcow2_writev_start_req .*offset 0x%x bytes %d\b" % (step["offset"], step["length"])
            wait_until(lambda: len(re.findall(pattern, trace_text())) >= step["count"], qmp,
                       "the job's copies of [%d, +%d) did not reach the target"
                       % (step["offset"], step["length"]))
        elif kind == "undo_settle":
            if UNDO:
                for hold in step["holds"]:
                    qmp.hmp('qemu-io %s "resume %s"' % (hold["device"], hold["tag"]))
                wait_until(copies_ended, qmp, "QEMU's copies did not end")
        elif kind == "compare":
            compare()
        elif kind == "cannot_judge":
            cannot_judge(step["why"])
    cannot_judge("the replay ended without a verdict")


if __name__ == "__main__":
    main()
)PY";

}  // namespace mirrorsim::reports
