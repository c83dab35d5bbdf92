# Faultline's gdb helpers (gdb's Python API), loaded by `make debug` and tools/gdb-test:
#   fl-threads             every thread: name, state, CPU, on_cpu, preempt count, backtrace
#   fl-vmas TREE           a VMA tree (an expression of type struct vma_tree or a pointer to
#                          one) in address order
#   fl-walk [ROOT] ADDR    the page-table walk of ADDR from the root table at physical ROOT
#                          (default kernel_pt_root), each level's entry raw and decoded
#   fl-pages               the buddy allocator's free lists per order and the CPUs' page lists
#   fl-slabs               every slab cache: slabs, objects in use, in the CPUs' magazines, free
#   fl-dmesg [LINES]       the console ring (kernel/printk.c), or its last LINES lines
# Structures are read by field name through the ELF's debug information, so adding fields to
# them does not break the helpers; what the debug information cannot tell (the address-space
# layout, PTE bits, the context-switch frame) is in ARCHES below, from arch/<arch>/.
# docs/debugging.md shows them at work.
import re
import struct

import gdb

# Per arch: the direct map (arch/*/layout.h), where arch_context_switch leaves the saved frame
# pointer and return address (arch_switched_frame in arch/*/arch_inline.h, in words from the
# saved sp; None: ppc64's back chain starts at sp itself), the root table's index bits, and
# the byte order of page-table entries in memory.
ARCHES = {
    "i386:x86-64": dict(name="x86_64", direct_map=0xffff800000000000, switched=(5, 6),
                        root_bits=9, pte_order="<"),
    "aarch64": dict(name="arm64", direct_map=0xffff000000000000, switched=(10, 11),
                    root_bits=9, pte_order="<"),
    "powerpc:common64": dict(name="ppc64", direct_map=0xc000000000000000, switched=None,
                             root_bits=13, pte_order=">"),
}
PAGE_SHIFT = 12
PT_LEVELS = 4
PT_INDEX_BITS = 9
UINTPTR_MAX = (1 << 64) - 1


def arch():
    name = gdb.selected_inferior().architecture().name()
    if name not in ARCHES:
        raise gdb.GdbError(f"faultline: unknown architecture {name}; "
                           "set architecture i386:x86-64, aarch64 or powerpc:common64")
    return ARCHES[name]


# ---- Reading the kernel ----

def var(name, file=None):
    """A global, or a file's static (file: the end of its source path, e.g. 'mm/page_alloc.c')."""
    sym = gdb.lookup_global_symbol(name)
    if sym is not None and file is None:
        return sym.value()
    for s in gdb.lookup_static_symbols(name):
        if file is None or s.symtab.filename.endswith(file):
            return s.value()
    if sym is not None:
        return sym.value()
    raise gdb.GdbError(f"faultline: no symbol {name}" + (f" in {file}" if file else ""))


def per_cpu_ptr(ptr, cpu):
    """What CPU cpu's per_cpu_ptr(ptr, cpu) points at (kernel/percpu.h): ptr is CPU 0's copy's
    address, a pointer from alloc_percpu() (a cache's "cpu") or a variable's .address."""
    offset = int(var("percpu_offsets")[cpu])
    return gdb.Value(int(ptr) + offset).cast(ptr.type).dereference()


def per_cpu(variable, cpu):
    """CPU cpu's copy of a DEFINE_PER_CPU variable, given the variable (var("runqueues"))."""
    return per_cpu_ptr(variable.address, cpu)


def read_u64(addr, order="<"):
    return struct.unpack(order + "Q", bytes(gdb.selected_inferior().read_memory(addr, 8)))[0]


def field_offset(type_, member):
    """Byte offset of member in a struct, looking inside anonymous unions and structs."""
    def find(t):
        for f in t.strip_typedefs().fields():
            if f.name == member:
                return f.bitpos // 8
            if not f.name and f.type.strip_typedefs().code in (gdb.TYPE_CODE_UNION,
                                                               gdb.TYPE_CODE_STRUCT):
                inner = find(f.type)
                if inner is not None:
                    return f.bitpos // 8 + inner
        return None
    off = find(type_)
    if off is None:
        raise gdb.GdbError(f"faultline: {type_} has no field {member}")
    return off


def list_entries(head, type_name, member, limit=100000):
    """The entries of a struct list_head list (lib/list.h), as values of type `type_name *`."""
    ptype = gdb.lookup_type(type_name).pointer()
    off = field_offset(gdb.lookup_type(type_name), member)
    head_addr = int(head.address)
    node = int(head["next"])
    out = []
    if node == 0:   # not initialised yet (e.g. the run queues before sched_init): empty
        return out
    while node != head_addr:
        if len(out) >= limit or node == 0:
            raise gdb.GdbError(f"faultline: list at {head_addr:#x} is broken or loops "
                               f"(at node {node:#x} after {len(out)} entries)")
        out.append(gdb.Value(node - off).cast(ptype))
        node = int(gdb.Value(node).cast(head.type.pointer()).dereference()["next"])
    return out


def describe_pc(pc):
    """'function (file:line)' for a code address."""
    if pc <= 0:
        return "??"
    try:
        block = gdb.block_for_pc(pc)
    except RuntimeError:
        block = None
    while block is not None and block.function is None:
        block = block.superblock
    if block is not None:
        fn = block.function.name
    else:   # assembly has no debug function: the ELF symbol, as `info symbol` gives it
        text = gdb.execute(f"info symbol {pc:#x}", to_string=True)
        m = re.match(r"(\S+)( \+ \d+)? in section", text)
        fn = m.group(1) if m else "??"
    sal = gdb.find_pc_line(pc)
    where = f"{sal.symtab.filename}:{sal.line}" if sal.symtab else "??"
    return f"{fn} ({where})"


def unwind(fp, ip, a, depth=32):
    """Code addresses of a switched-out stack, by frame pointers as the kernel's own unwinder
    walks them (arch_unwind in arch/*/arch_inline.h)."""
    pcs = [ip] if ip else []
    for _ in range(depth):
        if fp == 0 or fp & 7 or fp < a["direct_map"]:
            break
        try:
            if a["name"] == "ppc64":
                caller = read_u64(fp)
                if caller == 0 or caller & 7 or caller <= fp:
                    break
                ip, fp = read_u64(caller + 16), caller
            else:
                ip, fp = read_u64(fp + 8), read_u64(fp)
        except gdb.MemoryError:
            break
        if ip == 0:
            break
        pcs.append(ip)
    return pcs


# ---- fl-threads ----

def all_threads():
    """Every thread the kernel can reach: thread_list, the CPU blocks, the run queues."""
    seen = {}

    def add(t, why):
        if int(t) == 0:
            return
        seen.setdefault(int(t), [t, []])[1].append(why)

    try:
        for t in list_entries(var("thread_list", "kernel/sched/sched.c"), "struct thread", "all_link"):
            add(t, None)
    except gdb.GdbError as e:
        if "no symbol" not in str(e):
            raise
        add(var("boot_thread").address, None)
    ncpus = int(var("nr_cpus_possible"))
    block = var("percpu_block")
    rqs = var("runqueues", "kernel/sched/sched.c")
    for c in range(ncpus):
        add(per_cpu(block, c)["current"], f"current on CPU {c}")
        add(per_cpu(block, c)["idle"], f"idle of CPU {c}")
        for t in list_entries(per_cpu(rqs, c)["queue"], "struct thread", "rq_link"):
            add(t, f"queued on CPU {c}")
    return [(t, [w for w in why if w]) for t, why in seen.values()]


def gdb_thread_for_cpu(cpu):
    """QEMU's gdb stub shows CPU n as gdb thread n + 1."""
    for th in gdb.selected_inferior().threads():
        if th.num == cpu + 1:
            return th
    return None


def live_backtrace(cpu, depth=32):
    """gdb's own backtrace of the CPU (inlined calls included), as (pc, description)."""
    th = gdb_thread_for_cpu(cpu)
    if th is None:
        return []
    old = gdb.selected_thread()
    th.switch()
    try:
        out, f = [], gdb.newest_frame()
        while f is not None and f.pc() != 0 and len(out) < depth:
            sal = f.find_sal()
            where = f"{sal.symtab.filename}:{sal.line}" if sal.symtab else "??"
            inl = " [inlined]" if f.type() == gdb.INLINE_FRAME else ""
            out.append((f.pc(), f"{f.name() or describe_pc(f.pc())} ({where}){inl}"))
            f = f.older()
        return out
    finally:
        old.switch()


class FlThreads(gdb.Command):
    """Every Faultline thread: name, state, CPU, on_cpu, preemption count and backtrace.
Threads come from kernel/sched/sched.c's thread_list, each CPU's current and idle thread and the
run queues. A running thread's backtrace is its CPU's (gdb thread CPU+1); a switched-out one is
unwound from the stack pointer it saved (arch_switched_frame)."""

    def __init__(self):
        super().__init__("fl-threads", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        a = arch()
        threads = all_threads()
        boot = int(var("boot_thread").address)
        print(f"{len(threads)} threads")
        for t, why in threads:
            th = t.dereference()
            name = th["name"].string()
            state = str(th["state"])
            cpu, on_cpu = int(th["cpu"]), int(th["on_cpu"])
            info = th["info"]
            extra = f" [{', '.join(why)}]" if why else ""
            print(f"{int(t):#x} '{name}' {state} cpu={cpu} on_cpu={on_cpu} "
                  f"preempt_count={int(info['preempt_count'])} "
                  f"switches={int(th['nr_switches'])}{extra}")
            if on_cpu:
                frames = live_backtrace(cpu)
                how = f"    (running: CPU {cpu}'s registers, gdb thread {cpu + 1})"
            elif state == "T_NEW" or (int(th["nr_switches"]) == 0 and int(t) != boot):
                # nr_switches counts switch-ins; kmain's thread was running from the start.
                frames, how = [], "    (not run yet)"
            else:
                sp = int(th["sp"])
                if a["switched"] is None:
                    fp, ip = sp, 0
                else:
                    fp = read_u64(sp + 8 * a["switched"][0])
                    ip = read_u64(sp + 8 * a["switched"][1])
                # A return address is after its call: look up the call itself.
                frames = [(pc, describe_pc(pc - 1)) for pc in unwind(fp, ip, a)]
                how = f"    (switched out, sp={sp:#x})"
            print(how)
            for i, (pc, desc) in enumerate(frames):
                print(f"    #{i} {pc:#018x} {desc}")


# ---- fl-vmas ----

def vma_tree_entries(tree):
    """(start, end, vma) for every entry of a struct vma_tree, in order; and problems found."""
    entries, problems = [], []
    node_ptr = gdb.lookup_type("struct vma_tree_node").pointer()

    def walk(node, lo, hi, depth):
        n = node.cast(node_ptr).dereference()
        kind, nr = int(n["type"]), int(n["nr"])
        if kind == 1:   # VMA_TREE_LEAF
            piv, slots = n["leaf"]["pivot"], n["leaf"]["slot"]
        elif kind == 2:   # VMA_TREE_INNER
            piv, slots = n["inner"]["pivot"], n["inner"]["child"]
        else:
            problems.append(f"node {int(node):#x} at depth {depth} has type {kind} (dead?)")
            return
        start = lo
        for i in range(nr):
            last = int(piv[i]) if i < nr - 1 else hi
            s = slots[i]
            if kind == 2:
                walk(s, start, last, depth + 1)
            elif int(s) != 0:
                entries.append((start, last + 1 if last != UINTPTR_MAX else UINTPTR_MAX, s))
            if last == UINTPTR_MAX:
                break
            start = last + 1

    root = tree["root"]
    if int(root) != 0:
        walk(root, 0, UINTPTR_MAX, 0)
    return entries, problems


class FlVmas(gdb.Command):
    """fl-vmas TREE: the entries of a VMA tree (mm/vma_tree.h) in address order.
TREE is an expression of type struct vma_tree or struct vma_tree *, e.g. debug_vma_tree."""

    def __init__(self):
        super().__init__("fl-vmas", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        if not arg.strip():
            raise gdb.GdbError("usage: fl-vmas TREE (a struct vma_tree or a pointer to one)")
        tree = gdb.parse_and_eval(arg)
        if tree.type.strip_typedefs().code == gdb.TYPE_CODE_PTR:
            tree = tree.dereference()
        entries, problems = vma_tree_entries(tree)
        print(f"vma tree {arg}: height {int(tree['height'])}, {int(tree['nr_entries'])} entries, "
              f"{int(tree['nr_nodes'])} nodes, seq {int(tree['seq'])}")
        void_p = gdb.lookup_type("void").pointer()
        for start, end, vma in entries:
            size = (end - start) // 1024
            print(f"  {start:#018x}-{end:#018x} {size:>10} KiB  vma {vma.cast(void_p)}")
        if len(entries) != int(tree["nr_entries"]):
            problems.append(f"found {len(entries)} entries, nr_entries says "
                            f"{int(tree['nr_entries'])}")
        for p in problems:
            print(f"  PROBLEM: {p}")


# ---- fl-walk ----

def decode_x86(e, level):
    bits = [(0, "P"), (1, "RW"), (2, "US"), (3, "PWT"), (4, "PCD"), (5, "A"), (6, "D"), (8, "G"),
            (63, "NX")]
    flags = [n for b, n in bits if e >> b & 1]
    present = bool(e & 1)
    table = present and level > 0 and not (e >> 7 & 1)
    if present and level > 0 and not table:
        flags.append("PS")
    return present, table, e & 0x000ffffffffff000, flags


def decode_arm64(e, level):
    present = bool(e & 1)
    is_table = present and level > 0 and (e & 3) == 3
    flags = []
    if present:
        if is_table:
            flags.append("table")
        else:
            flags.append("page" if level == 0 else "block")
            ap = e >> 6 & 3
            flags.append(["EL1 rw", "EL0+EL1 rw", "EL1 ro", "EL0+EL1 ro"][ap])
            flags.append(f"AttrIndx={e >> 2 & 7}")
            flags += [n for b, n in [(10, "AF"), (11, "nG"), (53, "PXN"), (54, "UXN")]
                      if e >> b & 1]
            flags.append(f"SH={e >> 8 & 3}")
    return present, is_table, e & 0x0000fffffffff000, flags


def decode_ppc64(e, level):
    present = bool(e >> 63 & 1)
    leaf = bool(e >> 62 & 1)
    flags = []
    if not present:
        return False, False, 0, flags
    if not leaf:
        return True, level > 0, e & 0x0fffffffffffff00, ["dir", f"NLS={e & 0x1f}"]
    flags = ["leaf"] + [n for b, n in [(8, "R"), (7, "C"), (3, "PRIV"), (2, "READ"), (1, "RW"),
                                      (0, "EXEC"), (11, "SW:GLOBAL")] if e >> b & 1]
    att = e >> 4 & 3
    flags.append(["ATT=memory", "ATT=SAO", "ATT=I/O non-idempotent", "ATT=I/O tolerant"][att])
    return True, False, e & 0x01fffffffffff000, flags


DECODERS = {"x86_64": decode_x86, "arm64": decode_arm64, "ppc64": decode_ppc64}


class FlWalk(gdb.Command):
    """fl-walk [ROOT] ADDR: walk ADDR's translation from the root table at physical address ROOT
(default kernel_pt_root), printing each level's entry raw and decoded. Levels are numbered as in
mm/pgtable.c: PT_LEVELS-1 at the root down to 0 (4 KiB pages). Tables are read through the
kernel's direct map, so this needs the kernel's page tables live (after mm_init)."""

    def __init__(self):
        super().__init__("fl-walk", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        args = gdb.string_to_argv(arg)
        if len(args) == 1:
            root, addr = int(var("kernel_pt_root")), int(gdb.parse_and_eval(args[0]))
        elif len(args) == 2:
            root, addr = (int(gdb.parse_and_eval(x)) for x in args)
        else:
            raise gdb.GdbError("usage: fl-walk [ROOT] ADDR")
        addr &= UINTPTR_MAX
        a = arch()
        decode = DECODERS[a["name"]]
        print(f"walk {addr:#018x} from root {root:#x} ({a['name']})")
        table = root
        for level in range(PT_LEVELS - 1, -1, -1):
            shift = PAGE_SHIFT + PT_INDEX_BITS * level
            bits = a["root_bits"] if level == PT_LEVELS - 1 else PT_INDEX_BITS
            idx = addr >> shift & ((1 << bits) - 1)
            slot = table + 8 * idx
            try:
                raw = read_u64(a["direct_map"] + slot, a["pte_order"])
            except gdb.MemoryError:
                print(f"  level {level}: cannot read physical {slot:#x} through the direct map")
                return
            present, is_table, pa, flags = decode(raw, level)
            desc = f"{raw:#018x}  " + " ".join(flags)
            print(f"  level {level} [{idx:4d}] @phys {slot:#x}: {desc}")
            if not present:
                print(f"  -> not mapped (no entry at level {level})")
                return
            if is_table:
                print(f"      next table at phys {pa:#x}")
                table = pa
                continue
            off = addr & ((1 << shift) - 1)
            print(f"  -> {1 << shift >> 10} KiB {'page' if level == 0 else 'block'} at phys "
                  f"{pa:#x}: {addr:#x} is physical {pa + off:#x}")
            return


# ---- fl-pages ----

class FlPages(gdb.Command):
    """fl-pages: the buddy allocator's free lists (mm/page_alloc.c's zone): blocks per order, the
pages they hold, each list walked and checked against its count; then each CPU's list of
single pages (pcp_lists, per CPU)."""

    def __init__(self):
        super().__init__("fl-pages", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        zone = var("zone", "mm/page_alloc.c")
        area = zone["area"]
        lo, hi = area.type.strip_typedefs().range()
        print(f"zone: {int(zone['nr_free'])} pages free of {int(zone['nr_managed'])} managed, "
              f"ready={bool(zone['ready'])}")
        print("  order  blocks    pages  (list walked)")
        total = 0
        for o in range(lo, hi + 1):
            nr = int(area[o]["nr"])
            walked = len(list_entries(area[o]["list"], "struct page", "lru"))
            total += walked << o
            bad = "" if walked == nr else f"  MISMATCH: nr says {nr}"
            print(f"  {o:5d} {walked:7d} {walked << o:8d}{bad}")
        print(f"  in the buddy lists: {total} pages")
        pcps = var("pcp_lists", "mm/page_alloc.c")
        pcp_total = 0
        for c in range(int(var("nr_cpus_possible"))):
            pcp = per_cpu(pcps, c)
            n = int(pcp["count"])
            walked = len(list_entries(pcp["pages"], "struct page", "lru"))
            pcp_total += walked
            bad = "" if walked == n else f"  MISMATCH: count says {n}"
            print(f"  CPU {c} list: {walked} pages{bad}")
        print(f"  buddy + CPU lists: {total + pcp_total} pages")


# ---- fl-slabs ----

SLAB_FLAGS = ((0x1, "no-percpu"), (0x2, "typesafe"), (0x4, "typesafe-BUSTED"))   # mm/slab.h

class FlSlabs(gdb.Command):
    """fl-slabs: every slab cache (mm/slab.c's all_caches): object size and stride, slabs on the
lists and empty ones waiting for a grace period (typesafe caches), objects handed out, free ones
in the CPUs' magazines (which the allocator counts as out of the slabs) and free ones in the
slabs; each cache's slab lists walked and checked against its counters."""

    def __init__(self):
        super().__init__("fl-slabs", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        caches = list_entries(var("all_caches", "mm/slab.c"), "struct kmem_cache", "link")
        ncpus = int(var("nr_cpus_possible"))
        print(f"{len(caches)} slab caches")
        print(f"  {'cache':<20} {'size':>5} {'stride':>6} {'slabs':>5} {'rcu-wait':>8} "
              f"{'in-use':>7} {'magazines':>9} {'free':>6}  flags")
        for c in caches:
            slabs = (list_entries(c["partial"], "struct page", "lru") +
                     list_entries(c["full"], "struct page", "lru"))
            out = sum(int(p["slab"]["inuse"]) for p in slabs)
            active = int(c["nr_active"])
            mags = ([int(per_cpu_ptr(c["cpu"], n)["count"]) for n in range(ncpus)]
                    if int(c["cpu"]) else [0] * ncpus)
            flags = int(c["flags"])
            names = [n for bit, n in SLAB_FLAGS if flags & bit]
            bad = ""
            if int(c["lock"]["next"]) != int(c["lock"]["owner"]):
                # A CPU stopped inside the cache's critical section: the counters may be
                # mid-update, so a difference is not a bug.
                bad += "  (locked: counts may be mid-update)"
            elif len(slabs) != int(c["nr_slabs"]):
                bad += f"  MISMATCH: nr_slabs says {int(c['nr_slabs'])}"
            if out != active and "locked" not in bad:
                bad += f"  MISMATCH: the slabs have {out} objects out, nr_active says {active}"
            by_cpu = " ".join(f"cpu{n}={m}" for n, m in enumerate(mags) if m)
            print(f"  {c['name'].string():<20} {int(c['size']):5d} {int(c['stride']):6d} "
                  f"{len(slabs):5d} {int(c['nr_slabs_rcu']):8d} {active - sum(mags):7d} "
                  f"{sum(mags):9d} {len(slabs) * int(c['objs_per_slab']) - out:6d}  "
                  f"{','.join(names) or '-'}{'  ' + by_cpu if by_cpu else ''}{bad}")


# ---- fl-dmesg ----

class FlDmesg(gdb.Command):
    """fl-dmesg [LINES]: the console output kept in kernel/printk.c's ring (printk_ring), oldest
first; with LINES, only the last LINES lines."""

    def __init__(self):
        super().__init__("fl-dmesg", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        ring = var("printk_ring")
        size = ring.type.strip_typedefs().sizeof
        pos = int(var("printk_ring_pos"))
        data = bytes(gdb.selected_inferior().read_memory(int(ring.address), size))
        if pos <= size:
            text = data[:pos]
        else:
            text = data[pos % size:] + data[:pos % size]
        lines = text.decode("utf-8", "replace").split("\n")
        if arg.strip():
            lines = lines[-int(gdb.parse_and_eval(arg)) - 1:]
        print("\n".join(lines), end="" if lines and lines[-1] == "" else "\n")


for cmd in (FlThreads, FlVmas, FlWalk, FlPages, FlSlabs, FlDmesg):
    cmd()
