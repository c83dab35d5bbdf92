"""Boot Faultline halted under tools/qemu-run --gdb and attach gdb-multiarch to it; shared by
tools/debug (make debug) and tools/gdb-test (make gdb-test)."""
import os, re, signal, subprocess, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# gdb's name for each arch. The ppc64 guest runs little-endian, which gdb takes from the ELF;
# it is set as well, since QEMU's stub describes a big-endian-capable CPU.
GDB_ARCH = {"x86_64": ["set architecture i386:x86-64"],
            "arm64": ["set architecture aarch64"],
            "ppc64": ["set architecture powerpc:common64", "set endian little"]}


def start_qemu(arch, qemu_args, log_path, wait_s=30):
    """tools/qemu-run ARCH --gdb ... in its own process group, its output into log_path.
    Returns (process, port) once the harness has printed the stub's port."""
    log = open(log_path, "w")
    proc = subprocess.Popen([os.path.join(ROOT, "tools/qemu-run"), arch, "--gdb"] + qemu_args,
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    log.close()
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        with open(log_path, errors="replace") as f:
            m = re.search(r"gdb stub on 127\.0\.0\.1:(\d+)", f.read())
        if m:
            return proc, int(m.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    stop_qemu(proc)
    with open(log_path, errors="replace") as f:
        raise RuntimeError(f"qemu-run --gdb did not start:\n{f.read()}")


def stop_qemu(proc):
    """End the harness and its QEMU (the process group start_qemu made), if still running."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=5)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def gdb_command(arch, port, batch_cmds=None):
    """gdb-multiarch's command line: the ELF's symbols, the arch, faultline.py, attached."""
    elf = os.path.join(ROOT, "build", arch, "faultline.elf")
    cmds = ["set confirm off"] + GDB_ARCH[arch] + [
        f"source {os.path.join(ROOT, 'tools/gdb/faultline.py')}",
        f"target remote 127.0.0.1:{port}"]
    if batch_cmds is not None:
        cmds = ["set pagination off", "set width 0"] + cmds + batch_cmds
    argv = ["gdb-multiarch", "-q", "-nx"] + (["-batch"] if batch_cmds is not None else [])
    for c in cmds:
        argv += ["-ex", c]
    return argv + [elf]
