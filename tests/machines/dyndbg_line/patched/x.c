/* Dynamic debug descriptors (the kernel's struct _ddebug in __dyndbg, named
 * as 6.1 names them): the patch adds lines above both callers, so each
 * descriptor's lineno moves, changes the text report_b prints and turns
 * report_c's message on (its descriptor's flags, the bits after lineno). */
struct _ddebug {
	const char *modname, *function, *filename, *format;
	unsigned int lineno:18;
	unsigned int class_id:6;
	unsigned int flags:8;
} __attribute__((aligned(8)));

extern void __dynamic_pr_debug(struct _ddebug *descriptor, const char *fmt, ...);

#define PASTE_(a, b) a##b
#define PASTE(a, b) PASTE_(a, b)
#define pr_debug(fmt) pr_debug_id(PASTE(__UNIQUE_ID_ddebug, __COUNTER__), fmt, 0)
#define pr_debug_flags(fmt, flags) pr_debug_id(PASTE(__UNIQUE_ID_ddebug, __COUNTER__), fmt, flags)
#define pr_debug_id(id, fmt, flags)                                                    \
	do {                                                                           \
		static struct _ddebug __attribute__((used, section("__dyndbg"))) id = { \
			"mod", __func__, "x.c", fmt, __LINE__, 0, flags };             \
		__dynamic_pr_debug(&id, fmt);                                          \
	} while (0)

/* Three lines more
 * above the callers.
 */
void report_a(void)
{
	pr_debug("a happened\n");
}

void report_b(int x)
{
	if (x)
		pr_debug("b happened!\n");
}

void report_c(void)
{
	pr_debug_flags("c happened\n", 1);
}
