"""Child processes for hack/bench: started in their own session, always stopped (SIGTERM, then
SIGKILL), and their memory read from /proc."""

import os
import signal
import socket
import subprocess
import time

from bench_kube import BenchError


def free_port():
    """A port nothing listens on right now (other engineers run operators on this machine too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Child:
    """One child process, output to a log file; `stop()` is idempotent and safe in `finally`."""

    def __init__(self, name, argv, log_path, env=None):
        self.name, self.argv, self.log_path = name, argv, log_path
        self.log = open(log_path, "wb")
        self.started = time.monotonic()
        try:
            self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as e:
            self.log.close()
            raise BenchError(f"cannot start {name} ({argv[0]}): {e}") from e

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_for_output(self, needle, timeout):
        """Waits until the log contains `needle`; BenchError if the process exits or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.output():
                return time.monotonic() - self.started
            if not self.alive():
                raise BenchError(f"{self.name} exited with {self.proc.returncode}: {self.output()[-800:]}")
            time.sleep(0.05)
        raise BenchError(f"{self.name}: no '{needle}' after {timeout:.0f}s")

    def stop(self, grace=10.0):
        """SIGTERM, then SIGKILL after `grace` seconds. Returns (exit code, seconds to exit, killed)."""
        if self.proc.poll() is not None:
            self.log.close()
            return self.proc.returncode, 0.0, False
        start = time.monotonic()
        killed = False
        try:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            killed = True
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        finally:
            self.log.close()
        return self.proc.returncode, time.monotonic() - start, killed

    def cpu_seconds(self):
        """User + system CPU seconds of the process so far (0 when it is gone)."""
        try:
            with open(f"/proc/{self.proc.pid}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return 0.0

    def memory(self):
        """{"VmHWM": bytes, "VmRSS": bytes, "RssAnon": bytes} from /proc/<pid>/status (empty when the process is gone)."""
        out = {}
        try:
            with open(f"/proc/{self.proc.pid}/status", encoding="ascii") as f:
                for line in f:
                    key, _, rest = line.partition(":")
                    if key in ("VmHWM", "VmRSS", "RssAnon"):
                        out[key] = int(rest.split()[0]) * 1024
        except OSError:
            pass
        return out
