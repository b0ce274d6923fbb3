/* mkpair: write a synthetic ORIG/PATCHED pair of vmlinux.o-like ELF64 x86_64
 * relocatable objects (-ffunction-sections -fdata-sections, gcc + clang ThinLTO
 * naming) for benchmarking klp.  See README.md beside this file.
 *
 *   mkpair [-n SYMBOLS] [-f FILES] [-c CHANGED_PERCENT] [-s SEED] [-v] ORIG.o PATCHED.o
 *
 * Every translation unit (TU) is generated from (seed, TU id) alone, so a TU
 * the patch does not touch is byte-identical on both sides; a changed TU is the
 * same TU run through mutate_tu().  The ELF is written by hand with <elf.h>. */
#define _POSIX_C_SOURCE 200809L
#include <elf.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { PFX_SIZE = 16, MAXNAME = 192 };

/* ---- constant tables ------------------------------------------------------ */

/* Static function names that repeat across TUs. */
static const char *const common_fn[] = {
	"init_one", "show", "store", "probe", "release", "remove", "open", "read",
	"write", "poll", "ioctl", "mmap", "flush", "fsync", "llseek", "suspend",
	"resume", "freeze", "thaw", "shutdown", "setup", "cleanup", "exit_one", "init",
	"start", "stop", "enable", "disable", "reset", "get", "set", "put",
	"alloc", "free", "destroy", "create", "attach", "detach", "bind", "unbind",
	"connect", "disconnect", "register_one", "unregister_one", "lookup", "find",
	"match", "compare", "update", "refresh", "sync", "flush_work", "work_fn",
	"timer_fn", "irq_handler", "thread_fn", "callback", "complete", "done",
	"submit", "queue", "dequeue", "enqueue", "handle_event", "notifier_call",
	"event_handler", "show_info", "show_stats", "stats_show", "name_show",
	"type_show", "state_show", "state_store", "enable_show", "enable_store",
	"mode_show", "mode_store", "size_show", "value_show", "value_store",
	"version_show", "status_show", "debug_show", "debug_store", "config_show",
	"config_store", "id_show", "flags_show", "count_show", "seq_start", "seq_next",
	"seq_stop", "seq_show", "proc_show", "proc_open", "dev_open", "dev_release",
	"dev_read", "dev_write", "dev_ioctl", "dev_poll", "dev_mmap", "validate",
	"verify", "check", "parse", "parse_options", "parse_args", "fill_super",
	"get_tree", "init_fs_context", "kill_sb", "statfs", "evict_inode",
	"alloc_inode", "free_inode", "write_inode", "dirty_inode", "read_folio",
	"writepage", "readahead", "direct_io", "get_block", "map_blocks", "encode",
	"decode", "pack", "unpack", "copy_from", "copy_to", "clone_one", "dup",
	"take", "drop", "hold", "get_ref", "put_ref", "kref_release", "rcu_free",
	"rcu_callback", "cb", "handler", "helper", "do_work", "do_one", "process_one",
	"process", "worker", "poll_fn", "tasklet_fn", "cmp", "hash", "hash_fn",
	"key_cmp", "obj_cmpfn", "lock", "unlock", "trylock", "wait", "wake", "notify",
	"signal_one", "timeout", "expire", "retry", "cancel", "kick", "ack", "mask",
	"unmask", "eoi", "set_type", "set_affinity", "activate", "deactivate",
	"translate", "xlate", "map", "unmap", "iomap", "read_reg", "write_reg",
	"reg_read", "reg_write", "get_status", "set_mode", "get_mode", "set_rate",
	"get_rate", "round_rate", "recalc_rate", "prepare", "unprepare", "is_enabled",
	"is_prepared", "debugfs_init", "debugfs_show", "sysfs_init", "init_hw",
	"exit_hw", "get_info", "set_info", "check_flags", "fault", "page_mkwrite",
	"iter_next", "iter_start",
};
/* Static object names that repeat across TUs. */
static const char *const common_obj[] = {
	"ops", "fops", "lock", "mutex", "list", "attr_group", "attrs", "groups",
	"driver", "pdriver", "id_table", "of_match", "pm_ops", "dev_attr_name",
	"dev_attr_state", "sysctl_table", "params", "debug", "verbose", "enabled",
	"refcount", "cache", "pool", "wq", "timer", "nb", "notifier", "kobj", "kset",
	"class", "root", "table", "map", "info", "name_buf", "seq_ops", "proc_ops",
	"fs_type", "sops", "aops", "iops", "dops", "irq_chip", "clk_ops", "ida",
};
static const char *const verbs[] = {
	"alloc", "free", "init", "setup", "update", "handle", "process", "check",
	"flush", "scan", "find", "insert", "delete", "build", "parse", "queue",
	"submit", "complete", "map", "unmap", "read", "write", "get", "put", "walk",
	"dump", "sync", "reclaim", "charge", "account",
};
static const char *const nouns[] = {
	"queue", "ring", "desc", "page", "folio", "inode", "dentry", "buffer",
	"packet", "skb", "sock", "request", "entry", "node", "tree", "table", "range",
	"region", "extent", "block", "cluster", "irq", "vector", "chan", "port",
	"link", "pipe", "timer", "task", "cgroup", "slab", "zone",
};
static const char *const subsys[] = {
	"sched", "mm", "vfs", "net", "tcp", "ext4", "xfs", "btrfs", "nfs", "pci",
	"usb", "drm", "i915", "amdgpu", "blk", "scsi", "nvme", "kvm", "bpf", "perf",
	"cgroup", "audit", "crypto", "snd", "input", "hid", "iommu", "acpi", "x86",
	"irq",
};
static const char *const common_basenames[] = {
	"core.c", "main.c", "init.c", "dev.c", "sysfs.c", "debugfs.c", "trace.c", "util.c", "utils.c",
	"common.c", "ops.c", "io.c", "irq.c", "pci.c", "power.c", "proc.c", "ioctl.c", "super.c",
	"file.c", "inode.c",
};

static const char *const tops[] = {
	"kernel", "drivers", "fs", "net", "mm", "block", "sound", "crypto",
	"security", "lib", "arch/x86",
};
static const char *const clones[] = { ".isra.0", ".constprop.0", ".part.0", ".constprop.1" };
enum { CL_ISRA, CL_CONSTPROP, CL_PART, CL_CONSTPROP1 };

/* Where an item lives.  The last three are one shared section per TU. */
enum skind { S_TEXT, S_UNLIKELY, S_DATA, S_BSS, S_RODATA, S_KSYMTAB,
	     S_ONCE, S_DYNDBG, S_MODINFO, S_NKIND };
static const struct {
	const char *prefix;
	uint32_t type;
	uint64_t flags;
	uint8_t align;
} skinds[S_NKIND] = {
	[S_TEXT] = { ".text.", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 16 },
	[S_UNLIKELY] = { ".text.unlikely.", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 16 },
	[S_DATA] = { ".data.", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, 8 },
	[S_BSS] = { ".bss.", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, 8 },
	[S_RODATA] = { ".rodata.", SHT_PROGBITS, SHF_ALLOC, 8 },
	[S_KSYMTAB] = { "___ksymtab+", SHT_PROGBITS, SHF_ALLOC, 4 },
	[S_ONCE] = { ".data..once", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, 1 },
	[S_DYNDBG] = { "__dyndbg", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, 8 },
	[S_MODINFO] = { ".modinfo", SHT_PROGBITS, SHF_ALLOC, 1 },
};
#define SHARED(k) ((k) >= S_ONCE)

/* Compiler-numbered statics `name.N`: section, size (0 = random) and weight. */
static const struct { const char *name; uint8_t sec, size, weight; } numvars[] = {
	{ "__key", S_BSS, 8, 8 },        { "__warned", S_ONCE, 1, 5 },
	{ "__already_done", S_ONCE, 1, 2 }, { "__func__", S_RODATA, 0, 5 },
	{ "CSWTCH", S_RODATA, 0, 2 },    { "_rs", S_DATA, 40, 2 },
	{ "descriptor", S_DYNDBG, 56, 1 }, { "count", S_BSS, 4, 2 },
	{ "buf", S_BSS, 64, 1 },         { "last", S_BSS, 8, 1 },
};

/* How a symbol name is made from an item (see item_name). */
enum fmt { F_PLAIN, F_NUM, F_CLONE, F_COLD, F_LLVM, F_DDEBUG, F_MODINFO, F_KSYMTAB };

/* Categories, for the -v name-mix report only. */
enum cat { C_SECTION, C_FILE, C_PFX, C_FN_COMMON, C_FN_UNIQUE, C_FN_GLOBAL, C_FN_PROMOTED,
	   C_FN_LLVM, C_FN_CLONE, C_FN_COLD, C_OBJ_LOCAL, C_OBJ_GLOBAL, C_NUMSTAT,
	   C_UNIQUE_ID, C_KSYMTAB, C_NCAT };
static const char *const cat_names[C_NCAT] = {
	"section symbols", "FILE symbols", "__pfx_ symbols", "local fn, common name",
	"local fn, unique name", "global fn", "global fn, promoted w/o suffix",
	"global hidden fn .llvm.<hash>", "gcc clone .isra/.constprop/.part",
	"gcc .cold", "local object", "global object", "numbered static name.N",
	"__UNIQUE_ID_*", "__ksymtab_*",
};

/* What one TU draws, weighted. */
enum ent { E_FN_COMMON, E_FN_UNIQUE, E_FN_GLOBAL, E_FN_LLVM, E_OBJ_LOCAL, E_OBJ_GLOBAL,
	   E_NUMSTAT, E_DDEBUG, E_NENT };
static const unsigned ent_weight[E_NENT] = { 22, 16, 15, 1, 13, 4, 17, 3 };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
/* struct tu keeps one bit per pool name. */
_Static_assert(NELEM(common_fn) <= 256 && NELEM(common_obj) <= 64, "name pool too big");

/* ---- small helpers ------------------------------------------------------- */

static void die(const char *msg)
{
	fprintf(stderr, "mkpair: %s\n", msg);
	exit(1);
}

/* Grow a dynamic array so that index n fits. */
static void *grow(void *p, size_t *cap, size_t n, size_t elsize)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 64;
	while (*cap <= n)
		*cap *= 2;
	p = realloc(p, *cap * elsize);
	if (!p)
		die("out of memory");
	return p;
}

/* splitmix64: tiny, fast, good enough, and seedable from any (seed, a, b). */
struct rng { uint64_t s; };

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static struct rng rng_for(uint64_t seed, uint64_t a, uint64_t b)
{
	struct rng r = { seed };
	r.s = rnd(&r) ^ a;
	r.s = rnd(&r) ^ (b * 0x9e3779b97f4a7c15ull);
	rnd(&r);
	return r;
}

static unsigned below(struct rng *r, unsigned n)
{
	return (unsigned)(((rnd(r) >> 32) * n) >> 32);
}

static double unit(struct rng *r)
{
	return (double)(rnd(r) >> 11) * (1.0 / 9007199254740992.0);
}

static bool chance(struct rng *r, double p)
{
	return unit(r) < p;
}

#define PICK(r, table) ((table)[below((r), NELEM(table))])

/* A ThinLTO module hash: decimal with 19 or 20 digits. */
static uint64_t new_hash(struct rng *r)
{
	uint64_t h = rnd(r);
	return h < 1000000000000000000ull ? h + 1000000000000000000ull : h;
}

/* ---- the model: one TU as a list of items --------------------------------- */

/* One named entity (function, object, ...) of a TU; emit_item() turns it into
 * symbols (plus a __pfx_ symbol if pfx) and, unless shared, its own section. */
struct item {
	char base[64];        /* name stem; item_name() adds the suffixes */
	uint32_t size, stamp; /* st_size; stamp varies the section bytes */
	unsigned n1, n2;      /* counters (name.N, __UNIQUE_ID) or clone kind */
	uint8_t fmt, sec, type, bind, vis, cat;
	uint8_t pfx;          /* 0 none, else STT_FUNC/STT_NOTYPE+1 */
	bool uniq;            /* base name unique in the whole object */
};

struct tu {
	unsigned id;
	unsigned serial;  /* next number for unique names */
	unsigned counter; /* gcc's per-TU counter for name.N */
	unsigned uid;     /* __COUNTER__ for __UNIQUE_ID_* */
	unsigned shift;   /* renumbering of counters (patched, changed TUs) */
	uint64_t hash;    /* ThinLTO module hash for name.llvm.<hash> */
	uint64_t used_fn[4], used_obj;
	char path[64];
	struct item *it;
	size_t n, cap;
};

static struct item *new_item(struct tu *t, struct rng *r, uint8_t cat, uint8_t type, uint8_t bind)
{
	t->it = grow(t->it, &t->cap, t->n, sizeof *t->it);
	struct item *it = &t->it[t->n++];
	memset(it, 0, sizeof *it);
	it->cat = cat;
	it->type = type;
	it->bind = bind;
	it->vis = STV_DEFAULT;
	it->stamp = (uint32_t)rnd(r);
	return it;
}

/* Set an item's name stem (truncated to fit, never in practice). */
static void set_base(struct item *it, const char *s)
{
	size_t n = strlen(s);
	if (n >= sizeof it->base)
		n = sizeof it->base - 1;
	memcpy(it->base, s, n);
	it->base[n] = 0;
}

/* Symbols an item contributes (section symbol, __pfx_, itself). */
static unsigned item_cost(const struct item *it)
{
	return 1 + (it->pfx != 0) + !SHARED(it->sec);
}

/* Pick a table index not yet used in this TU; -1 if none found quickly. */
static int pick_unused(struct rng *r, uint64_t *used, unsigned n)
{
	for (int try = 0; try < 8; try++) {
		unsigned i = below(r, n);
		if (!(used[i / 64] >> (i % 64) & 1)) {
			used[i / 64] |= 1ull << (i % 64);
			return (int)i;
		}
	}
	return -1;
}

/* Names unique in the whole object: the TU id and a serial make them so.
 * (One rng call per statement: argument order is unspecified in C.) */
static void unique_local_name(struct tu *t, struct rng *r, char *out)
{
	const char *noun = PICK(r, nouns), *verb = PICK(r, verbs);
	snprintf(out, 64, "%s_%s_%u_%u", noun, verb, t->id, t->serial++);
}

static void unique_global_name(struct tu *t, struct rng *r, char *out)
{
	const char *sub = PICK(r, subsys), *verb = PICK(r, verbs), *noun = PICK(r, nouns);
	snprintf(out, 64, "%s_%s_%s_%u_%u", sub, verb, noun, t->id, t->serial++);
}

static uint32_t fn_size(struct rng *r)
{
	return 16 * (1 + below(r, 8));
}

/* A function with a __pfx_ symbol in its own .text.<name> section. */
static struct item *add_fn(struct tu *t, struct rng *r, uint8_t cat, uint8_t bind)
{
	struct item *it = new_item(t, r, cat, STT_FUNC, bind);
	it->sec = S_TEXT;
	it->size = fn_size(r);
	it->pfx = 1 + (chance(r, 0.1) ? STT_NOTYPE : STT_FUNC);
	return it;
}

static void item_name(const struct tu *t, const struct item *it, char *out);

/* gcc clones of a local function: .isra replaces it, .constprop/.part add a
 * copy, .cold adds its unlikely part in .text.unlikely.<name>. */
static void add_clones(struct tu *t, struct rng *r)
{
	struct item parent = t->it[t->n - 1];
	double u = unit(r);
	if (u < 0.06) {
		t->it[t->n - 1].fmt = F_CLONE;
		t->it[t->n - 1].n1 = CL_ISRA;
		t->it[t->n - 1].cat = C_FN_CLONE;
	} else if (u < 0.10 || u >= 0.99) {
		struct item *c = add_fn(t, r, C_FN_CLONE, STB_LOCAL);
		memcpy(c->base, parent.base, sizeof c->base);
		c->fmt = F_CLONE;
		c->n1 = u < 0.10 ? CL_CONSTPROP : CL_CONSTPROP1;
	} else if (u < 0.12) {
		struct item *c = add_fn(t, r, C_FN_CLONE, STB_LOCAL);
		memcpy(c->base, parent.base, sizeof c->base);
		c->fmt = F_CLONE;
		c->n1 = CL_PART;
	}
	if (chance(r, 0.05)) {
		char last[MAXNAME]; /* the cold part of the item just made: foo.isra.0.cold */
		item_name(t, &t->it[t->n - 1], last);
		struct item *c = new_item(t, r, C_FN_COLD, STT_FUNC, STB_LOCAL);
		set_base(c, last);
		c->fmt = F_COLD;
		c->sec = S_UNLIKELY;
		c->size = fn_size(r);
	}
}

static void add_local_fn(struct tu *t, struct rng *r, bool common)
{
	int i = common ? pick_unused(r, t->used_fn, NELEM(common_fn)) : -1;
	struct item *it = add_fn(t, r, i >= 0 ? C_FN_COMMON : C_FN_UNIQUE, STB_LOCAL);
	if (i >= 0)
		set_base(it, common_fn[i]);
	else
		unique_local_name(t, r, it->base);
	it->uniq = i < 0;
	add_clones(t, r);
}

/* A global function, exported (with a __ksymtab_ object) a third of the time. */
static void add_global_fn(struct tu *t, struct rng *r)
{
	struct item *it = add_fn(t, r, C_FN_GLOBAL, STB_GLOBAL);
	unique_global_name(t, r, it->base);
	it->uniq = true;
	if (chance(r, 0.33)) {
		struct item *k = new_item(t, r, C_KSYMTAB, STT_OBJECT, STB_GLOBAL);
		memcpy(k->base, it->base, sizeof k->base);
		k->fmt = F_KSYMTAB;
		k->sec = S_KSYMTAB;
		k->size = 12;
	}
}

/* A ThinLTO-promoted static: GLOBAL HIDDEN name.llvm.<TU hash>. */
static void add_llvm_fn(struct tu *t, struct rng *r)
{
	int i = pick_unused(r, t->used_fn, NELEM(common_fn));
	if (i < 0) {
		add_local_fn(t, r, false);
		return;
	}
	struct item *it = add_fn(t, r, C_FN_LLVM, STB_GLOBAL);
	set_base(it, common_fn[i]);
	it->fmt = F_LLVM;
	it->vis = STV_HIDDEN;
}

static void add_object(struct tu *t, struct rng *r, bool global)
{
	struct item *it = new_item(t, r, global ? C_OBJ_GLOBAL : C_OBJ_LOCAL, STT_OBJECT,
				   global ? STB_GLOBAL : STB_LOCAL);
	static const uint8_t secs[] = { S_DATA, S_DATA, S_BSS, S_BSS, S_RODATA };
	it->sec = PICK(r, secs);
	it->size = 4u << below(r, 7);
	int i = global ? -1 : pick_unused(r, &t->used_obj, NELEM(common_obj));
	if (i >= 0)
		set_base(it, common_obj[i]);
	else if (global)
		unique_global_name(t, r, it->base);
	else
		unique_local_name(t, r, it->base);
	it->uniq = i < 0;
}

/* A compiler-numbered static `name.N`, N from the TU's counter. */
static void add_numstat(struct tu *t, struct rng *r)
{
	unsigned total = 0, w;
	for (size_t i = 0; i < NELEM(numvars); i++)
		total += numvars[i].weight;
	w = below(r, total);
	size_t v = 0;
	while (w >= numvars[v].weight)
		w -= numvars[v++].weight;
	struct item *it = new_item(t, r, C_NUMSTAT, STT_OBJECT, STB_LOCAL);
	set_base(it, numvars[v].name);
	it->fmt = F_NUM;
	it->sec = numvars[v].sec;
	it->size = numvars[v].size ? numvars[v].size : 4 * (2 + below(r, 14));
	t->counter += 1 + below(r, 30);
	it->n1 = t->counter;
}

/* __UNIQUE_ID_ddebugN (dynamic debug) or __UNIQUE_ID_modinfo_N_M. */
static void add_unique_id(struct tu *t, struct rng *r, bool modinfo)
{
	struct item *it = new_item(t, r, C_UNIQUE_ID, STT_OBJECT, STB_LOCAL);
	it->fmt = modinfo ? F_MODINFO : F_DDEBUG;
	it->sec = modinfo ? S_MODINFO : S_DYNDBG;
	it->size = modinfo ? 16 + below(r, 48) : 56;
	t->uid += 1 + below(r, 6);
	it->n1 = t->uid;
	it->n2 = ++t->uid;
}

/* Draw one entity; return the symbols it added. */
static unsigned add_entity(struct tu *t, struct rng *r)
{
	size_t first = t->n;
	unsigned total = 0, w;
	for (int e = 0; e < E_NENT; e++)
		total += ent_weight[e];
	w = below(r, total);
	int e = 0;
	while (w >= ent_weight[e])
		w -= ent_weight[e++];
	switch (e) {
	case E_FN_COMMON: add_local_fn(t, r, true); break;
	case E_FN_UNIQUE: add_local_fn(t, r, false); break;
	case E_FN_GLOBAL: add_global_fn(t, r); break;
	case E_FN_LLVM: add_llvm_fn(t, r); break;
	case E_OBJ_LOCAL: add_object(t, r, false); break;
	case E_OBJ_GLOBAL: add_object(t, r, true); break;
	case E_NUMSTAT: add_numstat(t, r); break;
	default: add_unique_id(t, r, false); break;
	}
	unsigned cost = 0;
	for (size_t i = first; i < t->n; i++)
		cost += item_cost(&t->it[i]);
	return cost;
}

/* Symbols TU `id` should hold: skewed (many small TUs, a few large) with mean
 * avg.  u runs over [0,1) as a golden-ratio sequence in the TU id, so the
 * total stays close to -n while each TU still depends only on (seed, id). */
static unsigned tu_budget(uint64_t seed, unsigned id, double avg)
{
	struct rng r = rng_for(seed, UINT64_MAX, 3);
	double u = unit(&r) + 0.6180339887498949 * id;
	u -= (double)(uint64_t)u;
	double x = 4.0 * u * u * u;
	if (x < 0.1)
		x = 0.1;
	return (unsigned)(avg * x / 1.022 + 0.5); /* E[x] = 1.022 */
}

/* Generate TU `id` from the seed alone (same on both sides). */
static void gen_tu(struct tu *t, uint64_t seed, unsigned id, double avg)
{
	struct rng r = rng_for(seed, id, 0);
	struct item *keep = t->it;
	size_t cap = t->cap;
	memset(t, 0, sizeof *t);
	t->it = keep;
	t->cap = cap;
	t->id = id;
	/* FILE symbols hold basenames (GCC and clang both): a share of TUs repeat
	 * common ones, as core.c and main.c do hundreds of times in a vmlinux.o. */
	if (chance(&r, 0.3))
		snprintf(t->path, sizeof t->path, "%s", PICK(&r, common_basenames));
	else
		snprintf(t->path, sizeof t->path, "%s_%u.c", PICK(&r, tops), id);
	t->hash = new_hash(&r);
	unsigned budget = tu_budget(seed, id, avg), used = 1;
	while (used + 3 < budget) /* stop near the budget, not past it on average */
		used += add_entity(t, &r);
	if (chance(&r, 0.25))
		for (unsigned i = 1 + below(&r, 4); i > 0; i--)
			add_unique_id(t, &r, true);
}

/* ---- the patch: mutations of a changed TU ---------------------------------- */

typedef bool pred_fn(const struct item *);

static bool is_fn(const struct item *it)
{
	return it->type == STT_FUNC;
}

static bool is_plain_local_fn(const struct item *it)
{
	return it->type == STT_FUNC && it->bind == STB_LOCAL && it->fmt == F_PLAIN;
}

static bool is_unique_local_fn(const struct item *it)
{
	return is_plain_local_fn(it) && it->uniq;
}

/* Index of a random item matching pred, or -1. */
static long pick_item(const struct tu *t, struct rng *r, pred_fn *pred)
{
	unsigned n = 0;
	for (size_t i = 0; i < t->n; i++)
		n += pred(&t->it[i]);
	if (!n)
		return -1;
	unsigned k = below(r, n);
	for (size_t i = 0; i < t->n; i++)
		if (pred(&t->it[i]) && k-- == 0)
			return (long)i;
	return -1;
}

/* The patch edits some function bodies: new bytes, sometimes a new size. */
static void change_bodies(struct tu *t, struct rng *r, unsigned count)
{
	while (count--) {
		long i = pick_item(t, r, is_fn);
		if (i < 0)
			return;
		t->it[i].stamp = (uint32_t)rnd(r);
		if (chance(r, 0.7))
			t->it[i].size += t->it[i].size > 32 && chance(r, 0.4) ? -16u : 16u;
	}
}

/* Remove one static function (and its clones), add a new one elsewhere. */
static void replace_fn(struct tu *t, struct rng *r)
{
	long i = pick_item(t, r, is_plain_local_fn);
	if (i < 0)
		return;
	size_t j = (size_t)i + 1;
	while (j < t->n && (t->it[j].fmt == F_CLONE || t->it[j].fmt == F_COLD) &&
	       !strcmp(t->it[j].base, t->it[i].base))
		j++;
	memmove(&t->it[i], &t->it[j], (t->n - j) * sizeof *t->it);
	t->n -= j - (size_t)i;
	t->serial += 1000; /* new names never collide with the original's */
	add_fn(t, r, C_FN_UNIQUE, STB_LOCAL)->uniq = true;
	struct item added = t->it[t->n - 1];
	unique_local_name(t, r, added.base);
	size_t pos = below(r, (unsigned)t->n);
	memmove(&t->it[pos + 1], &t->it[pos], (t->n - 1 - pos) * sizeof *t->it);
	t->it[pos] = added;
}

/* gcc now clones a function: foo -> foo.isra.0. */
static void make_clone(struct tu *t, struct rng *r)
{
	long i = pick_item(t, r, is_plain_local_fn);
	if (i < 0)
		return;
	t->it[i].fmt = F_CLONE;
	t->it[i].n1 = CL_ISRA;
	t->it[i].cat = C_FN_CLONE;
	t->it[i].stamp = (uint32_t)rnd(r);
	t->it[i].size += 16;
}

/* ThinLTO promotes statics: foo -> GLOBAL HIDDEN foo.llvm.H, or (LLVM 23)
 * foo -> GLOBAL HIDDEN foo with no suffix when the name is unique. */
static void promote(struct tu *t, struct rng *r, unsigned count, bool suffix)
{
	while (count--) {
		long i = pick_item(t, r, suffix ? is_plain_local_fn : is_unique_local_fn);
		if (i < 0)
			return;
		struct item *it = &t->it[i];
		it->bind = STB_GLOBAL;
		it->vis = STV_HIDDEN;
		it->fmt = suffix ? F_LLVM : F_PLAIN;
		it->cat = suffix ? C_FN_LLVM : C_FN_PROMOTED;
	}
}

static void mutate_tu(struct tu *t, uint64_t seed)
{
	struct rng r = rng_for(seed, t->id, 1);
	t->hash = new_hash(&r);
	t->shift = 1;
	change_bodies(t, &r, 1 + below(&r, 4));
	if (chance(&r, 0.4))
		replace_fn(t, &r);
	if (chance(&r, 0.3))
		make_clone(t, &r);
	if (chance(&r, 0.25))
		promote(t, &r, 2, true);
	if (chance(&r, 0.2))
		promote(t, &r, 2, false);
}

/* ---- the ELF being built --------------------------------------------------- */

/* A deduplicating string table (offsets into buf; 0 is ""). */
struct strtab {
	char *buf;
	size_t len, cap;
	uint32_t *slot; /* offset+1, 0 = empty */
	size_t mask, count;
};

static uint32_t fnv(const char *s)
{
	uint32_t h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void str_rehash(struct strtab *s)
{
	size_t n = s->mask ? (s->mask + 1) * 2 : 1024;
	free(s->slot);
	s->slot = calloc(n, sizeof *s->slot);
	if (!s->slot)
		die("out of memory");
	s->mask = n - 1;
	for (size_t off = 1; off < s->len; off += strlen(s->buf + off) + 1) {
		size_t j = fnv(s->buf + off) & s->mask;
		while (s->slot[j])
			j = (j + 1) & s->mask;
		s->slot[j] = (uint32_t)off + 1;
	}
}

static uint32_t str_add(struct strtab *s, const char *str)
{
	if (!s->buf) {
		s->buf = grow(s->buf, &s->cap, 1, 1);
		s->buf[0] = 0;
		s->len = 1;
	}
	if (!*str)
		return 0;
	if (2 * (s->count + 1) > s->mask)
		str_rehash(s);
	size_t j = fnv(str) & s->mask;
	for (; s->slot[j]; j = (j + 1) & s->mask)
		if (!strcmp(s->buf + s->slot[j] - 1, str))
			return s->slot[j] - 1;
	size_t n = strlen(str) + 1, off = s->len;
	s->buf = grow(s->buf, &s->cap, off + n, 1);
	memcpy(s->buf + off, str, n);
	s->len += n;
	s->slot[j] = (uint32_t)off + 1;
	s->count++;
	return (uint32_t)off;
}

#define SHNDX_ABS UINT32_MAX

struct sec { uint32_t name, size, stamp; uint8_t kind, pfx; uint64_t off; };
struct sym { uint32_t name, shndx, value, size; uint8_t info, other; };

struct obj {
	struct strtab shstr, str;
	struct sec *sec;   /* content sections; header index = array index + 1 */
	struct sym *loc, *glob;
	size_t nsec, nloc, nglob, csec, cloc, cglob;
	unsigned nfiles, nchanged;
	unsigned long cat[C_NCAT];
};

static uint32_t add_sec(struct obj *o, const char *name, uint8_t kind, uint32_t size,
			uint32_t stamp, uint8_t pfx)
{
	o->sec = grow(o->sec, &o->csec, o->nsec, sizeof *o->sec);
	o->sec[o->nsec] = (struct sec){ str_add(&o->shstr, name), size, stamp, kind, pfx, 0 };
	return (uint32_t)++o->nsec;
}

static void add_sym(struct obj *o, const char *name, uint8_t bind, uint8_t type, uint8_t vis,
		    uint32_t shndx, uint32_t value, uint32_t size)
{
	struct sym s = { str_add(&o->str, name), shndx, value, size, ELF64_ST_INFO(bind, type), vis };
	if (bind == STB_LOCAL) {
		o->loc = grow(o->loc, &o->cloc, o->nloc, sizeof *o->loc);
		o->loc[o->nloc++] = s;
	} else {
		o->glob = grow(o->glob, &o->cglob, o->nglob, sizeof *o->glob);
		o->glob[o->nglob++] = s;
	}
}

/* The symbol name of an item. */
static void item_name(const struct tu *t, const struct item *it, char *out)
{
	unsigned s = t->shift;
	switch (it->fmt) {
	case F_NUM: snprintf(out, MAXNAME, "%s.%u", it->base, it->n1 + s); break;
	case F_CLONE: snprintf(out, MAXNAME, "%s%s", it->base, clones[it->n1]); break;
	case F_COLD: snprintf(out, MAXNAME, "%s.cold", it->base); break;
	case F_LLVM: snprintf(out, MAXNAME, "%s.llvm.%" PRIu64, it->base, t->hash); break;
	case F_DDEBUG: snprintf(out, MAXNAME, "__UNIQUE_ID_ddebug%u", it->n1 + s); break;
	case F_MODINFO:
		snprintf(out, MAXNAME, "__UNIQUE_ID_modinfo_%u_%u", it->n1 + s, it->n2 + s);
		break;
	case F_KSYMTAB: snprintf(out, MAXNAME, "__ksymtab_%s", it->base); break;
	default: snprintf(out, MAXNAME, "%s", it->base); break;
	}
}

/* Emit one item: its section (or a slot in a shared one), __pfx_, symbol. */
static void emit_item(struct obj *o, const struct tu *t, const struct item *it, uint32_t *shared)
{
	char name[MAXNAME], buf[MAXNAME + 32];
	uint32_t shndx, value = 0;
	item_name(t, it, name);
	if (SHARED(it->sec)) {
		if (!shared[it->sec])
			shared[it->sec] = add_sec(o, skinds[it->sec].prefix, it->sec, 0, 0, 0);
		shndx = shared[it->sec];
		struct sec *s = &o->sec[shndx - 1];
		uint32_t a = skinds[it->sec].align;
		value = (s->size + a - 1) / a * a;
		s->size = value + it->size;
	} else {
		const char *stem = it->sec == S_UNLIKELY || it->sec == S_KSYMTAB ? it->base : name;
		snprintf(buf, sizeof buf, "%s%s", skinds[it->sec].prefix, stem);
		shndx = add_sec(o, buf, it->sec, it->size + (it->pfx ? PFX_SIZE : 0), it->stamp,
				it->pfx != 0);
	}
	if (it->pfx) {
		snprintf(buf, sizeof buf, "__pfx_%s", name);
		add_sym(o, buf, it->bind, it->pfx - 1, it->vis, shndx, 0, PFX_SIZE);
		value = PFX_SIZE;
		o->cat[C_PFX]++;
	}
	add_sym(o, name, it->bind, it->type, it->vis, shndx, value, it->size);
	o->cat[it->cat]++;
}

/* Emit a TU: its FILE symbol, then every item in order. */
static void emit_tu(struct obj *o, const struct tu *t)
{
	uint32_t shared[S_NKIND] = { 0 };
	add_sym(o, t->path, STB_LOCAL, STT_FILE, STV_DEFAULT, SHNDX_ABS, 0, 0);
	o->nfiles++;
	o->cat[C_FILE]++;
	for (size_t i = 0; i < t->n; i++)
		emit_item(o, t, &t->it[i], shared);
}

/* ---- the two sides ------------------------------------------------------------ */

struct opts {
	unsigned nsyms, nfiles;
	double changed;
	uint64_t seed;
	bool verbose;
	const char *out[2];
};

/* The TU ids of one side in FILE order; PATCHED drops a few and adds a few. */
static size_t plan_files(const struct opts *o, int side, unsigned **ids)
{
	unsigned f = o->nfiles, nrm = f / 1000 + 1, nadd = f / 800 + 1;
	size_t n = f;
	*ids = malloc((f + nadd) * sizeof **ids);
	if (!*ids)
		die("out of memory");
	for (unsigned i = 0; i < f; i++)
		(*ids)[i] = i;
	if (side == 0)
		return n;
	struct rng r = rng_for(o->seed, UINT64_MAX, 2);
	for (unsigned k = 0; k < nrm && n > 1; k++) {
		size_t p = below(&r, (unsigned)n);
		memmove(&(*ids)[p], &(*ids)[p + 1], (--n - p) * sizeof **ids);
	}
	for (unsigned k = 0; k < nadd; k++) {
		size_t p = below(&r, (unsigned)n + 1);
		memmove(&(*ids)[p + 1], &(*ids)[p], (n++ - p) * sizeof **ids);
		(*ids)[p] = f + k;
	}
	return n;
}

static bool tu_changed(const struct opts *o, unsigned id)
{
	struct rng r = rng_for(o->seed, id, 2);
	return id < o->nfiles && unit(&r) * 100.0 < o->changed;
}

static void build_side(const struct opts *o, int side, struct obj *obj)
{
	unsigned *ids;
	size_t n = plan_files(o, side, &ids);
	double avg = (double)o->nsyms / o->nfiles;
	struct tu t = { 0 };
	for (size_t i = 0; i < n; i++) {
		gen_tu(&t, o->seed, ids[i], avg);
		if (side == 1 && tu_changed(o, ids[i])) {
			mutate_tu(&t, o->seed);
			obj->nchanged++;
		}
		emit_tu(obj, &t);
	}
	free(t.it);
	free(ids);
}

/* ---- writing the ELF file ------------------------------------------------------ */

struct out { FILE *f; uint64_t pos; const char *path; };

static void put(struct out *w, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, w->f) != n)
		die("write failed");
	w->pos += n;
}

static void fill(struct out *w, int byte, uint64_t n)
{
	unsigned char b[4096];
	memset(b, byte, sizeof b);
	for (; n > sizeof b; n -= sizeof b)
		put(w, b, sizeof b);
	put(w, b, (size_t)n);
}

static void pad_to(struct out *w, uint64_t off)
{
	fill(w, 0, off - w->pos);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* Section bytes: __pfx_ padding (nops), then a stamp and int3 fill for code;
 * a byte pattern from the stamp for data. */
static void put_content(struct out *w, const struct sec *s)
{
	uint32_t n = s->size;
	if (skinds[s->kind].flags & SHF_EXECINSTR) {
		if (s->pfx) {
			fill(w, 0x90, PFX_SIZE);
			n -= PFX_SIZE;
		}
		put(w, &s->stamp, 4);
		fill(w, 0xcc, n - 4);
	} else {
		fill(w, (int)(s->stamp & 0xff), n);
	}
}

static Elf64_Shdr shdr(uint32_t name, uint32_t type, uint64_t flags, uint64_t off, uint64_t size,
		       uint32_t link, uint32_t info, uint64_t align, uint64_t entsize)
{
	return (Elf64_Shdr){ .sh_name = name, .sh_type = type, .sh_flags = flags, .sh_offset = off,
			     .sh_size = size, .sh_link = link, .sh_info = info,
			     .sh_addralign = align, .sh_entsize = entsize };
}

static void put_sym(struct out *w, const struct sym *s)
{
	Elf64_Sym e = { .st_name = s->name, .st_info = s->info, .st_other = s->other,
			.st_value = s->value, .st_size = s->size };
	e.st_shndx = s->shndx == SHNDX_ABS ? SHN_ABS
		   : s->shndx >= SHN_LORESERVE ? SHN_XINDEX : (Elf64_Section)s->shndx;
	put(w, &e, sizeof e);
}

static void put_xindex(struct out *w, const struct sym *s)
{
	uint32_t x = s->shndx != SHNDX_ABS && s->shndx >= SHN_LORESERVE ? s->shndx : 0;
	put(w, &x, sizeof x);
}

/* Layout: ELF header, section contents, .shstrtab, .strtab, .symtab,
 * [.symtab_shndx], section headers.  Extended numbering when needed. */
static void write_elf(struct obj *o, const char *path)
{
	uint32_t n_shstr = str_add(&o->shstr, ".shstrtab"), n_str = str_add(&o->shstr, ".strtab");
	uint32_t n_sym = str_add(&o->shstr, ".symtab"), n_x = str_add(&o->shstr, ".symtab_shndx");
	size_t nsyms = 1 + o->nsec + o->nloc + o->nglob, i_shstr = o->nsec + 1;
	bool ext = o->nsec + 4 >= SHN_LORESERVE;
	size_t shnum = o->nsec + 4 + ext;
	struct out w = { fopen(path, "wb"), 0, path };
	if (!w.f) {
		perror(path);
		exit(1);
	}
	uint64_t pos = sizeof(Elf64_Ehdr);
	for (size_t i = 0; i < o->nsec; i++) {
		o->sec[i].off = pos = align_up(pos, skinds[o->sec[i].kind].align);
		if (skinds[o->sec[i].kind].type != SHT_NOBITS)
			pos += o->sec[i].size;
	}
	uint64_t off_shstr = pos, off_str = off_shstr + o->shstr.len;
	uint64_t off_sym = align_up(off_str + o->str.len, 8), off_x = off_sym + nsyms * sizeof(Elf64_Sym);
	uint64_t shoff = align_up(off_x + (ext ? nsyms * 4 : 0), 8);

	Elf64_Ehdr eh = { .e_type = ET_REL, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
			  .e_shoff = shoff, .e_ehsize = sizeof eh, .e_shentsize = sizeof(Elf64_Shdr),
			  .e_shnum = shnum >= SHN_LORESERVE ? 0 : (Elf64_Half)shnum,
			  .e_shstrndx = i_shstr >= SHN_LORESERVE ? SHN_XINDEX : (Elf64_Half)i_shstr };
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	put(&w, &eh, sizeof eh);

	for (size_t i = 0; i < o->nsec; i++)
		if (skinds[o->sec[i].kind].type != SHT_NOBITS) {
			pad_to(&w, o->sec[i].off);
			put_content(&w, &o->sec[i]);
		}
	put(&w, o->shstr.buf, o->shstr.len);
	put(&w, o->str.buf, o->str.len);
	pad_to(&w, off_sym);
	put_sym(&w, &(struct sym){ 0 });
	for (size_t i = 0; i < o->nsec; i++)
		put_sym(&w, &(struct sym){ 0, (uint32_t)i + 1, 0, 0, ELF64_ST_INFO(STB_LOCAL, STT_SECTION), 0 });
	for (size_t i = 0; i < o->nloc; i++)
		put_sym(&w, &o->loc[i]);
	for (size_t i = 0; i < o->nglob; i++)
		put_sym(&w, &o->glob[i]);
	if (ext) {
		fill(&w, 0, 4); /* null symbol */
		for (size_t i = 0; i < o->nsec; i++)
			put_xindex(&w, &(struct sym){ .shndx = (uint32_t)i + 1 });
		for (size_t i = 0; i < o->nloc; i++)
			put_xindex(&w, &o->loc[i]);
		for (size_t i = 0; i < o->nglob; i++)
			put_xindex(&w, &o->glob[i]);
	}
	pad_to(&w, shoff);

	Elf64_Shdr sh0 = shdr(0, SHT_NULL, 0, 0, shnum >= SHN_LORESERVE ? shnum : 0,
			      i_shstr >= SHN_LORESERVE ? (uint32_t)i_shstr : 0, 0, 0, 0);
	put(&w, &sh0, sizeof sh0);
	for (size_t i = 0; i < o->nsec; i++) {
		const struct sec *s = &o->sec[i];
		Elf64_Shdr h = shdr(s->name, skinds[s->kind].type, skinds[s->kind].flags, s->off,
				    s->size, 0, 0, skinds[s->kind].align, 0);
		put(&w, &h, sizeof h);
	}
	Elf64_Shdr tail[4] = {
		shdr(n_shstr, SHT_STRTAB, 0, off_shstr, o->shstr.len, 0, 0, 1, 0),
		shdr(n_str, SHT_STRTAB, 0, off_str, o->str.len, 0, 0, 1, 0),
		shdr(n_sym, SHT_SYMTAB, 0, off_sym, nsyms * sizeof(Elf64_Sym), (uint32_t)i_shstr + 1,
		     (uint32_t)(1 + o->nsec + o->nloc), 8, sizeof(Elf64_Sym)),
		shdr(n_x, SHT_SYMTAB_SHNDX, 0, off_x, nsyms * 4, (uint32_t)i_shstr + 2, 0, 4, 4),
	};
	put(&w, tail, (3 + ext) * sizeof tail[0]);
	if (fclose(w.f) != 0)
		die("write failed");
}

/* ---- main ------------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr, "usage: mkpair [-n SYMBOLS] [-f FILES] [-c CHANGED_PERCENT] [-s SEED] [-v] "
			"ORIG.o PATCHED.o\n");
	exit(2);
}

/* A whole decimal (or 0x hex for the seed) option value, or usage(). */
static unsigned long long num_arg(const char *s, int base)
{
	char *end;
	unsigned long long v = strtoull(s, &end, base);
	if (!*s || *end || *s == '-')
		usage();
	return v;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .nsyms = 185000, .nfiles = 2600, .changed = 3.0, .seed = 1 };
	int c;
	char *end;
	while ((c = getopt(argc, argv, "n:f:c:s:v")) != -1) {
		switch (c) {
		case 'n': o->nsyms = (unsigned)num_arg(optarg, 10); break;
		case 'f': o->nfiles = (unsigned)num_arg(optarg, 10); break;
		case 's': o->seed = num_arg(optarg, 0); break;
		case 'v': o->verbose = true; break;
		case 'c':
			o->changed = strtod(optarg, &end);
			if (*end || end == optarg || o->changed < 0)
				usage();
			break;
		default: usage();
		}
	}
	if (argc - optind != 2 || !o->nfiles || o->nsyms < o->nfiles)
		usage();
	o->out[0] = argv[optind];
	o->out[1] = argv[optind + 1];
}

static void free_obj(struct obj *o)
{
	free(o->shstr.buf);
	free(o->shstr.slot);
	free(o->str.buf);
	free(o->str.slot);
	free(o->sec);
	free(o->loc);
	free(o->glob);
}

/* The -v report: how many symbols of each kind. */
static void print_mix(const struct obj *obj, const char *side, unsigned long nsyms)
{
	fprintf(stderr, "%s name mix (%lu symbols, %zu global, %u changed TUs):\n", side, nsyms,
		obj->nglob, obj->nchanged);
	for (int c = 0; c < C_NCAT; c++)
		fprintf(stderr, "  %-34s %7lu  %5.1f%%\n", cat_names[c], obj->cat[c],
			100.0 * (double)obj->cat[c] / (double)nsyms);
}

int main(int argc, char **argv)
{
	static const char *const side_names[2] = { "orig", "patched" };
	struct opts o;
	char line[2][128];
	const uint16_t one = 1;
	if (*(const uint8_t *)&one != 1)
		die("needs a little-endian host");
	parse_opts(argc, argv, &o);
	for (int side = 0; side < 2; side++) {
		struct obj obj = { 0 };
		build_side(&o, side, &obj);
		write_elf(&obj, o.out[side]);
		unsigned long nsyms = 1 + obj.nsec + obj.nloc + obj.nglob;
		obj.cat[C_SECTION] = obj.nsec;
		snprintf(line[side], sizeof line[side], "%s: %lu symbols, %zu sections, %u files",
			 side_names[side], nsyms, obj.nsec + 4 + (obj.nsec + 4 >= SHN_LORESERVE),
			 obj.nfiles);
		if (o.verbose)
			print_mix(&obj, side_names[side], nsyms);
		free_obj(&obj);
	}
	printf("mkpair: %s; %s\n", line[0], line[1]);
	return 0;
}
